package org.homerouter.pptp.control.tcp;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
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

    private final Function<ControlLink, ControlConnection> factory;
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
            connection.onTransportClosed();
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
        channel.writeAndFlush(message).addListener(ChannelFutureListener.FIRE_EXCEPTION_ON_FAILURE);
    }

    @Override
    public void close() {
        // Flush what the state machine queued (e.g. Stop-Control-Connection-Reply) before closing.
        if (channel.isOpen()) {
            channel.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        }
    }

    @Override
    public void execute(Runnable task) {
        channel.eventLoop().execute(task);
    }

    @Override
    public InetSocketAddress remoteAddress() {
        return (InetSocketAddress) channel.remoteAddress();
    }
}
