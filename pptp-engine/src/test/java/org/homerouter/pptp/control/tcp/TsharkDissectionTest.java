package org.homerouter.pptp.control.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.net.Socket;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.homerouter.pptp.ManualClock;
import org.homerouter.pptp.control.CallClearRequest;
import org.homerouter.pptp.control.CallIdAllocator;
import org.homerouter.pptp.control.CallListener;
import org.homerouter.pptp.control.ControlProtocol;
import org.homerouter.pptp.control.ControlSettings;
import org.homerouter.pptp.control.EchoRequest;
import org.homerouter.pptp.control.IncomingCallConnected;
import org.homerouter.pptp.control.IncomingCallReply;
import org.homerouter.pptp.control.IncomingCallRequest;
import org.homerouter.pptp.control.OutgoingCallReply;
import org.homerouter.pptp.control.OutgoingCallRequest;
import org.homerouter.pptp.control.SetLinkInfo;
import org.homerouter.pptp.control.StartControlConnectionRequest;
import org.homerouter.pptp.control.StopControlConnectionRequest;
import org.homerouter.pptp.control.WanErrorNotify;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Wireshark's PPTP dissector, an implementation we did not write, reads every one of the 15
 * control message types as our codec writes them, captured from real TCP on loopback. Needs root
 * (capture) and tshark (installed by `make test` through scripts/setup-host.sh).
 */
@Tag("root")
class TsharkDissectionTest {
    @Test
    void tsharkDissectsEveryControlMessageWithoutMalformed() throws Exception {
        ManualClock clock = new ManualClock();
        NettyTransport transport = NettyTransport.create(1, "tshark-io");
        ControlServer server = new ControlServer(transport,
                new ControlServer.Options(ControlSettings.defaults("tshark-pac"), 4, Duration.ofMillis(10), clock),
                CallListener.NONE, new CallIdAllocator(8));
        InetSocketAddress address = server.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        // Live dissection to stdout (-l: flushed per packet), so the test can wait for what it needs
        // instead of guessing when the capture is running and when it has flushed.
        LiveCapture capture = new LiveCapture("tshark", "-i", "lo", "-f", "tcp port " + address.getPort(),
                "-d", "tcp.port==" + address.getPort() + ",pptp", "-l", "-V");
        try {
            capture.awaitLive(address);
            try (RawControlPeer peer = new RawControlPeer(address)) {
                peer.send(new StartControlConnectionRequest(ControlProtocol.PROTOCOL_VERSION, 3, 3, 0, 0x0100,
                        "tshark-pns", "homerouter test"));
                peer.receive(); // SCCRP
                peer.send(new OutgoingCallRequest(0x1234, 7, 300, 100_000_000, 3, 1, 64, 0, "5551234", ""));
                OutgoingCallReply ocrp = (OutgoingCallReply) peer.receive();
                peer.send(new SetLinkInfo(ocrp.callId(), 0, 0xFFFFFFFF));
                // Messages the PAC only logs: still valid on the wire, so the dissector must take them.
                peer.send(new IncomingCallRequest(0x4321, 8, 1, 0, "100", "200", ""));
                peer.send(new IncomingCallReply(0x5555, 0x4321, IncomingCallReply.RESULT_CONNECT, 0, 64, 0));
                peer.send(new IncomingCallConnected(0x4321, 64000, 64, 0, 1));
                peer.send(new WanErrorNotify(0x1234, 1, 2, 3, 4, 5, 6));
                peer.send(new EchoRequest(99));
                peer.receive(); // Echo-Reply: also proves the server has read everything before it
                clock.advance(Duration.ofSeconds(61));
                peer.receive(); // the server's own Echo-Request after 60 s of silence
                peer.send(new CallClearRequest(0x1234));
                peer.receive(); // CDN
                peer.send(new StopControlConnectionRequest(StopControlConnectionRequest.REASON_NONE));
                peer.receive(); // StopCCRP
            }
            capture.awaitLine("Control Message Type: Stop-Control-Connection-Reply (4)");
        } finally {
            capture.stop();
            server.stop(Duration.ofMillis(100));
            transport.shutdown(Duration.ofSeconds(1));
        }

        List<String> lines = capture.lines();
        List<String> malformed = lines.stream()
                .filter(l -> l.contains("Malformed") || l.contains("[Expert Info (Error"))
                .toList();
        assertTrue(malformed.isEmpty(), "tshark reports: " + malformed);
        Set<Integer> types = new TreeSet<>();
        Pattern type = Pattern.compile("^\\s*Control Message Type: .*\\((\\d+)\\)$");
        for (String l : lines) {
            Matcher m = type.matcher(l);
            if (m.matches()) {
                types.add(Integer.parseInt(m.group(1)));
            }
        }
        assertEquals(new TreeSet<>(Arrays.asList(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15)), types,
                "every control message type seen by the dissector");
        assertTrue(lines.stream().anyMatch(l -> l.contains("Host Name: tshark-pac")),
                "the dissector reads our SCCRP's host name");
    }

    /** tshark dissecting live, its stdout collected line by line. */
    private static final class LiveCapture {
        private final Process process;
        private final List<String> lines = new CopyOnWriteArrayList<>();
        private final List<String> errors = new CopyOnWriteArrayList<>();

        LiveCapture(String... cmd) throws IOException {
            process = new ProcessBuilder(cmd).start();
            collect(process.getInputStream(), lines);
            collect(process.getErrorStream(), errors);
        }

        private static void collect(java.io.InputStream in, List<String> into) {
            Thread t = new Thread(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                    for (String l; (l = r.readLine()) != null; ) {
                        into.add(l);
                    }
                } catch (IOException ignored) {
                    // the capture ended
                }
            });
            t.setDaemon(true);
            t.start();
        }

        /** Probes with TCP connections until tshark shows one: then packets are really being captured. */
        void awaitLive(InetSocketAddress address) throws Exception {
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (lines.stream().noneMatch(l -> l.startsWith("Transmission Control Protocol"))) {
                if (!process.isAlive() || System.nanoTime() > deadline) {
                    throw new AssertionError("tshark is not capturing on lo (root needed; is tshark installed?): "
                            + errors);
                }
                try (Socket probe = new Socket(address.getAddress(), address.getPort())) {
                    probe.setSoLinger(true, 0);
                }
                Thread.sleep(200);
            }
        }

        void awaitLine(String text) throws InterruptedException {
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (lines.stream().noneMatch(l -> l.contains(text))) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("tshark never showed: " + text);
                }
                Thread.sleep(50);
            }
        }

        void stop() throws Exception {
            new ProcessBuilder("kill", "-INT", Long.toString(process.pid())).start().waitFor();
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        }

        List<String> lines() {
            return List.copyOf(lines);
        }
    }
}
