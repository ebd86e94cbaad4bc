package org.homerouter.bridge.netns;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;

import org.homerouter.bridge.ffm.Errno;
import org.homerouter.bridge.ffm.ErrnoException;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("root")
class NetworkNamespaceTest {
    private static String currentNamespace() throws Exception {
        return Files.readSymbolicLink(Path.of("/proc/thread-self/ns/net")).toString();
    }

    private static String namespaceOf(Netns ns) throws Exception {
        return "net:[" + Files.getAttribute(Path.of(NetworkNamespace.RUN_DIRECTORY, ns.name()), "unix:ino") + "]";
    }

    @Test
    void threadEntersAndReturnsAndWhatItOpensInsideStaysThere() throws Exception {
        try (Netns ns = Netns.create("enter")) {
            String before = currentNamespace();
            ServerSocketChannel server;
            try (NetworkNamespace.Scope in = NetworkNamespace.enter(ns.name())) {
                assertEquals(namespaceOf(ns), currentNamespace());
                assertNotEquals(before, currentNamespace());
                server = ServerSocketChannel.open().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
                assertEquals(ns.name(), in.name());
            }
            assertEquals(before, currentNamespace());
            try (server) {
                int port = ((InetSocketAddress) server.getLocalAddress()).getPort();
                CommandResult listening = ns.exec(Duration.ofSeconds(10), "ss", "-Hltn");
                // The JDK listens dual-stack: "[::ffff:127.0.0.1]:PORT".
                assertTrue(listening.output().contains("127.0.0.1]:" + port + " "), listening.toString());
            }
        }
    }

    @Test
    void scopesNestAndAnotherThreadCannotCloseOne() throws Exception {
        try (Netns a = Netns.create("nesta"); Netns b = Netns.create("nestb")) {
            String before = currentNamespace();
            NetworkNamespace.Scope inA = NetworkNamespace.enter(a.name());
            try {
                NetworkNamespace.Scope inB = NetworkNamespace.enter(b.name());
                try {
                    assertEquals(namespaceOf(b), currentNamespace());
                    AtomicReference<Throwable> failure = new AtomicReference<>();
                    Thread other = Thread.ofPlatform().start(() -> {
                        try {
                            inB.close();
                        } catch (Throwable t) {
                            failure.set(t);
                        }
                    });
                    other.join();
                    assertTrue(failure.get() instanceof IllegalStateException, String.valueOf(failure.get()));
                } finally {
                    inB.close();
                }
                assertEquals(namespaceOf(a), currentNamespace());
            } finally {
                inA.close();
            }
            assertEquals(before, currentNamespace());
        }
    }

    @Test
    void unknownNamespaceFailsAndLeavesTheThreadWhereItWas() throws Exception {
        String before = currentNamespace();
        ErrnoException e = assertThrows(ErrnoException.class,
                () -> NetworkNamespace.enter("hr-missing-" + ProcessHandle.current().pid()));
        assertEquals(Errno.ENOENT, e.errno());
        assertEquals(before, currentNamespace());
        assertThrows(IllegalArgumentException.class, () -> NetworkNamespace.enter("../x"));
    }
}
