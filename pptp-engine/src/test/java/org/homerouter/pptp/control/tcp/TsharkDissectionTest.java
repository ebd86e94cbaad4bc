package org.homerouter.pptp.control.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
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
import org.junit.jupiter.api.io.TempDir;

/**
 * Wireshark's PPTP dissector, an implementation we did not write, reads every one of the 15
 * control message types as our codec writes them, captured from real TCP on loopback. Needs root
 * (capture) and tshark (installed by `make test` through scripts/setup-host.sh).
 */
@Tag("root")
class TsharkDissectionTest {
    @TempDir
    Path dir;

    @Test
    void tsharkDissectsEveryControlMessageWithoutMalformed() throws Exception {
        ManualClock clock = new ManualClock();
        NettyTransport transport = NettyTransport.create(1, "tshark-io");
        ControlServer server = new ControlServer(transport,
                new ControlServer.Options(ControlSettings.defaults("tshark-pac"), 4, Duration.ofMillis(10), clock),
                CallListener.NONE, new CallIdAllocator(8));
        InetSocketAddress address = server.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        Path pcap = dir.resolve("control.pcapng");
        Process capture = new ProcessBuilder("tshark", "-i", "lo", "-f", "tcp port " + address.getPort(),
                "-w", pcap.toString()).redirectErrorStream(true).start();
        try {
            awaitCaptureStarted(capture);
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
            Thread.sleep(500);
        } finally {
            new ProcessBuilder("kill", "-INT", Long.toString(capture.pid())).start().waitFor();
            capture.waitFor(10, TimeUnit.SECONDS);
            capture.destroyForcibly();
            server.stop(Duration.ofMillis(100));
            transport.shutdown(Duration.ofSeconds(1));
        }

        String decode = "tcp.port==" + address.getPort() + ",pptp";
        List<String> verbose = run("tshark", "-r", pcap.toString(), "-d", decode, "-V");
        List<String> malformed = verbose.stream()
                .filter(l -> l.contains("Malformed") || l.contains("[Expert Info (Error"))
                .toList();
        assertTrue(malformed.isEmpty(), "tshark reports: " + malformed);

        Set<Integer> types = new TreeSet<>();
        for (String line : run("tshark", "-r", pcap.toString(), "-d", decode, "-Y", "pptp",
                "-T", "fields", "-e", "pptp.control_message_type")) {
            for (String v : line.split(",")) {
                if (!v.isBlank()) {
                    types.add(Integer.parseInt(v.trim()));
                }
            }
        }
        assertEquals(new TreeSet<>(Arrays.asList(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15)), types,
                "every control message type seen by the dissector");
        assertFalse(verbose.stream().noneMatch(l -> l.contains("Host Name: tshark-pac")),
                "the dissector reads our SCCRP's host name");
    }

    private static void awaitCaptureStarted(Process capture) throws IOException {
        BufferedReader out = new BufferedReader(new InputStreamReader(capture.getInputStream(), StandardCharsets.UTF_8));
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        String line;
        while ((line = out.readLine()) != null) {
            if (line.contains("Capturing on")) {
                Thread drain = new Thread(() -> {
                    try {
                        out.transferTo(java.io.Writer.nullWriter());
                    } catch (IOException ignored) {
                        // capture ended
                    }
                });
                drain.setDaemon(true);
                drain.start();
                return;
            }
            if (System.nanoTime() > deadline) {
                break;
            }
        }
        throw new AssertionError("tshark did not start capturing on lo (root needed; is tshark installed?)");
    }

    private List<String> run(String... cmd) throws IOException, InterruptedException {
        Path out = Files.createTempFile(dir, "tshark", ".out");
        Path err = Files.createTempFile(dir, "tshark", ".err");
        Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "tshark timed out");
        assertEquals(0, p.exitValue(), "tshark failed: " + Files.readString(err));
        return Files.readAllLines(out);
    }
}
