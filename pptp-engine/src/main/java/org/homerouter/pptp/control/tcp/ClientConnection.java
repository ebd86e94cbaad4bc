package org.homerouter.pptp.control.tcp;

import io.netty.channel.Channel;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import org.homerouter.pptp.control.ControlConnection;
import org.homerouter.pptp.control.PnsControlConnection;
import org.homerouter.pptp.control.PptpCall;
import org.homerouter.pptp.control.StopControlConnectionRequest;

/**
 * A dialled control connection, safe to use from any thread: every request is run on the
 * connection's event loop, where its state machine lives.
 */
public final class ClientConnection {
    private final Channel channel;
    private final PnsControlConnection pns;

    ClientConnection(Channel channel, PnsControlConnection pns) {
        this.channel = channel;
        this.pns = pns;
    }

    /** Outgoing-Call-Request; completes when the server connected the call. */
    public CompletableFuture<PptpCall> placeCall() {
        return onLoop(pns::placeCall);
    }

    /** Call-Clear-Request; completes on the server's Call-Disconnect-Notify. */
    public CompletableFuture<Void> hangUp(PptpCall call) {
        return onLoop(() -> pns.hangUp(call));
    }

    /** Stop-Control-Connection-Request; completes when the TCP connection has closed. */
    public CompletableFuture<Void> stop() {
        channel.eventLoop().execute(() -> pns.stop(StopControlConnectionRequest.REASON_NONE));
        return closed();
    }

    /** Completes when the TCP connection has closed, for whatever reason. */
    public CompletableFuture<Void> closed() {
        CompletableFuture<Void> f = new CompletableFuture<>();
        channel.closeFuture().addListener(x -> f.complete(null));
        return f;
    }

    /** The state machine, for status; read-only use from other threads. */
    public ControlConnection state() {
        return pns;
    }

    private <T> CompletableFuture<T> onLoop(Supplier<CompletableFuture<T>> op) {
        CompletableFuture<T> result = new CompletableFuture<>();
        channel.eventLoop().execute(() -> op.get().whenComplete((v, e) -> {
            if (e != null) {
                result.completeExceptionally(e);
            } else {
                result.complete(v);
            }
        }));
        return result;
    }
}
