package org.homerouter.pptp.control.tcp;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.handler.codec.DecoderException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.homerouter.pptp.control.ControlConnection;
import org.homerouter.pptp.control.ControlLink;
import org.homerouter.pptp.control.ControlMessage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Connects one Netty channel to one control-connection state machine: decoded messages and
 * errors go in, the state machine's sends and closes go out, and a periodic tick on the
 * channel's own event loop drives its timers. Every input arrives on that one thread.
 */
public final class ControlChannelHandler extends ChannelInboundHandlerAdapter implements ControlLink {
    private static final Logger LOG = LoggerFactory.getLogger(ControlChannelHandler.class);
    private static final org.homerouter.pptp.LogLimit ABORT_LOGGED = new org.homerouter.pptp.LogLimit();

    /**
     * How much a connection may hold for a peer that is not reading: a few dozen messages. PPTP
     * control is request and reply (RFC 2637 §2), and a real peer reads every reply; a peer that
     * keeps sending requests (Echo-Requests, say) without reading would otherwise make the replies
     * pile up in memory without limit, before it has even logged in.
     */
    static final WriteBufferWaterMark WATER_MARK = new WriteBufferWaterMark(8 * 1024, 32 * 1024);

    /** How long a close waits for the last messages (a Stop-Control-Connection-Reply) to leave. */
    private static final long CLOSE_FLUSH_MS = 2000;

    private final Function<ControlLink, ControlConnection> factory;
    private boolean aborted;
    private final Duration tick;
    private Channel channel;
    private ControlConnection connection;
    private ScheduledFuture<?> ticker;

    public ControlChannelHandler(Function<ControlLink, ControlConnection> factory, Duration tick) {
        this.factory = factory;
        this.tick = tick;
    }

    public ControlConnection connection() {
        return connection;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        channel = ctx.channel();
        channel.config().setWriteBufferWaterMark(WATER_MARK);
        connection = factory.apply(this);
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        long ms = tick.toMillis();
        ticker = ctx.executor().scheduleAtFixedRate(connection::onTimer, ms, ms, TimeUnit.MILLISECONDS);
        super.channelActive(ctx);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        connection.onMessage((ControlMessage) msg);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof IOException) {
            LOG.debug("{}: {}", channel.remoteAddress(), cause.toString());
            connection.onTransportFailed(cause.getMessage() != null ? cause.getMessage() : cause.toString());
            ctx.close();
            return;
        }
        Throwable root = cause instanceof DecoderException && cause.getCause() != null ? cause.getCause() : cause;
        connection.onProtocolError(root.getMessage() != null ? root.getMessage() : root.toString());
        ctx.close();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        if (ticker != null) {
            ticker.cancel(false);
        }
        connection.onTransportClosed();
        super.channelInactive(ctx);
    }

    // ---- ControlLink ----

    @Override
    public void send(ControlMessage message) {
        if (!channel.isWritable()) {
            abort();
            return;
        }
        channel.writeAndFlush(message).addListener(ChannelFutureListener.FIRE_EXCEPTION_ON_FAILURE);
    }

    /**
     * Closes at once, dropping what is queued: the peer has not read the last {@link #WATER_MARK}
     * octets of replies. The state machine hears of it as a closed transport, from the close.
     */
    private void abort() {
        if (aborted) {
            return;
        }
        aborted = true;
        // A peer's doing, one connection after another: under a budget.
        String more = ABORT_LOGGED.admit();
        if (more != null) {
            LOG.warn("{}: closing the control connection: the peer does not read its replies (more than {} octets"
                    + " waiting){}", channel.remoteAddress(), WATER_MARK.high(), more);
        }
        channel.config().setAutoRead(false);
        channel.close();
    }

    @Override
    public void close() {
        // Flush what the state machine queued (e.g. Stop-Control-Connection-Reply) before closing,
        // but not for ever: a peer that does not read would keep the connection (and its slot).
        if (!channel.isOpen()) {
            return;
        }
        if (!channel.isWritable()) {
            channel.close();
            return;
        }
        channel.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        channel.eventLoop().schedule(() -> {
            if (channel.isOpen()) {
                channel.close();
            }
        }, CLOSE_FLUSH_MS, TimeUnit.MILLISECONDS);
    }

    @Override
    public void execute(Runnable task) {
        channel.eventLoop().execute(task);
    }

    @Override
    public InetSocketAddress remoteAddress() {
        return (InetSocketAddress) channel.remoteAddress();
    }

    @Override
    public InetSocketAddress localAddress() {
        return (InetSocketAddress) channel.localAddress();
    }
}
