package org.homerouter.pptp.control.tcp;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.homerouter.pptp.Clock;
import org.homerouter.pptp.control.CallIdAllocator;
import org.homerouter.pptp.control.CallListener;
import org.homerouter.pptp.control.ControlCodec;
import org.homerouter.pptp.control.ControlSettings;
import org.homerouter.pptp.control.PnsControlConnection;

/** Dials a PPTP server: TCP connect, then Start-Control-Connection-Request. */
public final class ControlClient {
    private ControlClient() {
    }

    /**
     * Connects and starts a control connection; the future completes once the server's
     * Start-Control-Connection-Reply accepted it.
     */
    public static CompletableFuture<ClientConnection> connect(NettyTransport transport, InetSocketAddress server,
                                                                  ControlSettings settings, Clock clock, Duration tick,
                                                                  CallListener listener, CallIdAllocator callIds) {
        return connect(transport, server, null, settings, clock, tick, listener, callIds);
    }

    /**
     * As {@link #connect(NettyTransport, InetSocketAddress, ControlSettings, Clock, Duration, CallListener,
     * CallIdAllocator)}, from a chosen local address (null: the system's choice). The server accepts
     * GRE for the call only from the address the control connection came from.
     */
    public static CompletableFuture<ClientConnection> connect(NettyTransport transport, InetSocketAddress server,
                                                              java.net.InetAddress localAddress,
                                                              ControlSettings settings, Clock clock, Duration tick,
                                                              CallListener listener, CallIdAllocator callIds) {
        CompletableFuture<ClientConnection> result = new CompletableFuture<>();
        Bootstrap b = new Bootstrap()
                .group(transport.group())
                .channel(transport.channel())
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) settings.establishTimeout().toMillis())
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ControlCodec.addTo(ch.pipeline());
                        ch.pipeline().addLast("pptp-control", new ControlChannelHandler(
                                link -> new PnsControlConnection(link, clock, settings, listener, callIds), tick));
                    }
                });
        ChannelFuture cf = localAddress == null ? b.connect(server)
                : b.connect(server, new InetSocketAddress(localAddress, 0));
        cf.addListener(f -> {
            if (!f.isSuccess()) {
                result.completeExceptionally(f.cause());
                return;
            }
            ControlChannelHandler h = cf.channel().pipeline().get(ControlChannelHandler.class);
            PnsControlConnection pns = (PnsControlConnection) h.connection();
            pns.start().whenComplete((reply, err) -> {
                if (err != null) {
                    result.completeExceptionally(err);
                } else {
                    result.complete(new ClientConnection(cf.channel(), pns));
                }
            });
        });
        return result;
    }
}
