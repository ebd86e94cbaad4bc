package org.homerouter.appliance;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.homerouter.bridge.netns.Netns;
import org.homerouter.bridge.netns.NetworkNamespace;

/** A TCP stream between two test-made network namespaces, checked end to end by SHA-256. */
final class NetnsTransfer {
    private NetnsTransfer() {
    }

    /** What arrived, the SHA-256 of what was sent and of what arrived, and how long it took. */
    record Transfer(long received, String sentSha256, String receivedSha256, long nanos) {
    }

    /**
     * Pseudo-random bytes from a socket made in {@code from} to one listening in {@code to} on
     * {@code address}. The sockets are created by this thread while it is inside each namespace
     * (setns), so they belong there. A stalled path fails the transfer instead of hanging it.
     */
    static Transfer transfer(Netns from, Netns to, String address, int port, int bytes, Duration timeout)
            throws Exception {
        InetAddress target = InetAddress.getByName(address);
        try (ServerSocket listener = NetworkNamespace.call(to.name(), () -> new ServerSocket(port, 1, target))) {
            CompletableFuture<long[]> sinkCount = new CompletableFuture<>();
            CompletableFuture<String> sinkHash = new CompletableFuture<>();
            Thread sink = Thread.ofPlatform().daemon().name("tcp-sink").start(() -> {
                try (Socket s = listener.accept(); InputStream in = s.getInputStream()) {
                    s.setSoTimeout(30_000);
                    MessageDigest sha = MessageDigest.getInstance("SHA-256");
                    byte[] buffer = new byte[1 << 16];
                    long total = 0;
                    for (int n; (n = in.read(buffer)) >= 0; ) {
                        sha.update(buffer, 0, n);
                        total += n;
                    }
                    sinkCount.complete(new long[] {total, System.nanoTime()});
                    sinkHash.complete(HexFormat.of().formatHex(sha.digest()));
                } catch (Exception e) {
                    sinkCount.completeExceptionally(e);
                    sinkHash.completeExceptionally(e);
                }
            });
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            long start = System.nanoTime();
            try (Socket s = NetworkNamespace.call(from.name(), () -> {
                Socket socket = new Socket();
                socket.connect(new InetSocketAddress(target, port), 10_000);
                return socket;
            }); OutputStream out = s.getOutputStream()) {
                SplittableRandom random = new SplittableRandom(20_261_202);
                byte[] chunk = new byte[1 << 16];
                for (int sent = 0; sent < bytes; sent += chunk.length) {
                    random.nextBytes(chunk);
                    sha.update(chunk);
                    out.write(chunk);
                }
                s.shutdownOutput();
                long[] got = sinkCount.get(timeout.toSeconds(), TimeUnit.SECONDS);
                return new Transfer(got[0], HexFormat.of().formatHex(sha.digest()), sinkHash.get(1, TimeUnit.SECONDS),
                        got[1] - start);
            } finally {
                sink.interrupt();
            }
        }
    }
}
