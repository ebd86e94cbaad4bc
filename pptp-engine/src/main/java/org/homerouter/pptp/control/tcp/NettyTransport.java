package org.homerouter.pptp.control.tcp;

import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * The event loops and channel classes for TCP: native epoll where Netty ships it (x86_64,
 * aarch64), NIO elsewhere (armhf has no native epoll jar).
 */
public record NettyTransport(EventLoopGroup group, Class<? extends ServerChannel> serverChannel,
                             Class<? extends Channel> channel, String name) implements AutoCloseable {

    public static NettyTransport create(int threads, String threadName) {
        return create(threads, threadName, true);
    }

    /** @param preferEpoll false forces NIO (what armhf routers get), e.g. to test that path */
    public static NettyTransport create(int threads, String threadName, boolean preferEpoll) {
        DefaultThreadFactory tf = new DefaultThreadFactory(threadName, true);
        if (preferEpoll && Epoll.isAvailable()) {
            return new NettyTransport(new MultiThreadIoEventLoopGroup(threads, tf, EpollIoHandler.newFactory()),
                    EpollServerSocketChannel.class, EpollSocketChannel.class, "epoll");
        }
        return new NettyTransport(new MultiThreadIoEventLoopGroup(threads, tf, NioIoHandler.newFactory()),
                NioServerSocketChannel.class, NioSocketChannel.class, "nio");
    }

    /** Why epoll is not in use, for the start-up log; null when it is. */
    public static String epollUnavailableReason() {
        return Epoll.isAvailable() ? null : String.valueOf(Epoll.unavailabilityCause());
    }

    public void shutdown(Duration timeout) {
        group.shutdownGracefully(0, timeout.toMillis(), TimeUnit.MILLISECONDS).awaitUninterruptibly(timeout.toMillis());
    }

    @Override
    public void close() {
        shutdown(Duration.ofSeconds(2));
    }
}
