package org.homerouter.appliance;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.homerouter.pptp.auth.AuthMethod;
import org.homerouter.pptp.auth.AuthPolicy;
import org.homerouter.pptp.auth.PeerCredentials;
import org.homerouter.pptp.control.CallIdAllocator;
import org.homerouter.pptp.control.tcp.NettyTransport;
import org.homerouter.pptp.ppp.ipcp.IpcpSettings;
import org.homerouter.pptp.ppp.lcp.LcpSettings;
import org.homerouter.pptp.session.PppSession;
import org.homerouter.pptp.session.SessionRole;
import org.homerouter.pptp.session.SessionSettings;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code dial}: the engine's own PPTP client on this machine's Linux data plane. Brings a tunnel
 * up to a PPTP server, prints one {@code UP ...} line when IP flows, and hangs up cleanly on
 * SIGINT/SIGTERM. Used by the tests and the demo; the site-to-site dial-out shares its {@link PptpDialer}.
 */
@Command(name = "dial", mixinStandardHelpOptions = true,
        description = "Dial a PPTP server with the engine's own client (needs root: raw GRE + TUN).",
        exitCodeListHeading = "Exit codes:%n",
        exitCodeList = {"1:the tunnel came up, then the server or the link ended it", "2:the tunnel did not come up",
                "3:this machine cannot carry a tunnel (not root, no TUN or GRE)",
                "130, 143:hung up by SIGINT or SIGTERM (128 + the signal, as shells count)"})
final class DialCommand implements Callable<Integer> {
    private static final Logger LOG = LoggerFactory.getLogger(DialCommand.class);

    @Option(names = "--server", required = true, description = "PPTP server address.")
    String server;

    @Option(names = "--port", defaultValue = "1723", description = "PPTP control port. Default: ${DEFAULT-VALUE}")
    int port;

    @Option(names = "--user", required = true, description = "User name.")
    String user;

    @Option(names = "--password-stdin", description = "Read the password from standard input (else: prompt).")
    boolean passwordStdin;

    @Option(names = "--auth", defaultValue = "mschapv2",
            description = "Methods to accept, comma-separated: mschapv2, chap-md5, pap. Default: ${DEFAULT-VALUE}")
    String auth;

    @Option(names = "--mppe", defaultValue = "require-128",
            description = "require-128 | require-128-stateful | require-any | optional | none. Default: ${DEFAULT-VALUE}")
    String mppe;

    @Option(names = "--timeout", defaultValue = "30", description = "Seconds to wait for the tunnel. Default: ${DEFAULT-VALUE}")
    int timeoutSeconds;

    @Option(names = "--call-id", hidden = true, defaultValue = "0",
            description = "Use this PPTP Call ID instead of a random one (tests: several clients with one ID behind a NAT).")
    int callId;

    @Option(names = "--control-echo", hidden = true, defaultValue = "60",
            description = "Seconds the control connection may be quiet before a PPTP Echo-Request (RFC 2637 §2.5"
                    + " suggests 60; tests: a segment on it within seconds).")
    int controlEchoSeconds;

    @Override
    public Integer call() throws Exception {
        String password = readPassword();
        DataPlane plane = LinuxDataPlane.open();
        if (!plane.available()) {
            System.err.println(plane.unavailableReason());
            return 3;
        }
        List<AuthMethod> methods = PptpService.authMethods(auth);
        SessionSettings settings = new SessionSettings(SessionRole.CLIENT, "homerouter-client",
                LcpSettings.client(methods), AuthPolicy.DEFAULT.withMethods(methods.toArray(AuthMethod[]::new)),
                IpcpSettings.client(), PptpService.mppePolicy(mppe), Optional.of(new PeerCredentials(user, password)),
                "ppp");
        NettyTransport io = NettyTransport.create(1, "dial-io");
        PptpDialer dialer = PptpDialer.dial(plane, io, new InetSocketAddress(InetAddress.getByName(server), port),
                settings, callIds(), Duration.ofSeconds(timeoutSeconds), Duration.ofSeconds(controlEchoSeconds));
        dialer.ended().thenAccept(why -> System.out.println("DOWN " + why));
        try {
            PppSession session = dialer.up().get(timeoutSeconds, TimeUnit.SECONDS);
            var ip = session.ipConfiguration().orElseThrow();
            // One write for the whole line: printf hands System.out (autoflush) each piece of the
            // format separately, and a script watching the output could read "encryption=" alone.
            System.out.print(String.format("UP device=%s local=%s peer=%s encryption=%s dns=%s%n",
                    session.deviceName().orElse("?"),
                    ip.localAddress().map(InetAddress::getHostAddress).orElse("?"),
                    ip.peerAddress().map(InetAddress::getHostAddress).orElse("?"),
                    session.encryption().map(e -> "mppe-" + e.strength() + (e.stateless() ? "-stateless" : "-stateful"))
                            .orElse("none"),
                    ip.primaryDns().map(InetAddress::getHostAddress).orElse("none")));
            System.out.flush();
            // Set by the hook before it hangs up: the session then ends while the hook still needs
            // the event loop to send Stop-Control-Connection-Request, so the teardown below waits.
            CountDownLatch hangingUp = new CountDownLatch(1);
            CountDownLatch hungUp = new CountDownLatch(1);
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                if (dialer.ended().isDone()) {
                    return; // the peer already ended it; the event loop is gone
                }
                hangingUp.countDown();
                LOG.info("hanging up");
                try {
                    dialer.hangUp("hung up by the user", Duration.ofSeconds(9));
                } finally {
                    hungUp.countDown();
                }
            }, "hang-up"));
            try {
                dialer.ended().join();
            } catch (java.util.concurrent.CompletionException e) {
                // ended() only ever completes normally
            }
            if (hangingUp.getCount() == 0) {
                hungUp.await(10, TimeUnit.SECONDS);
                return 0;
            }
            // Ended by the server or the link, not by us: a script that dials and waits (a
            // reachability check, a loop that redials) must be able to tell, as pppd's exit
            // status does ("the link was terminated").
            return 1;
        } catch (Exception e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            System.out.println("FAILED " + (dialer.ended().isDone() ? dialer.ended().getNow("") : cause.getMessage()));
            dialer.hangUp("dial failed", Duration.ofSeconds(3));
            return 2;
        } finally {
            dialer.close();
            io.shutdown(Duration.ofSeconds(1));
            plane.gre().close();
        }
    }

    /** One Call ID, random unless {@code --call-id} fixes it (the allocator probes from nextInt(65535) + 1). */
    private CallIdAllocator callIds() {
        if (callId < 1 || callId > 65535) {
            return new CallIdAllocator(1);
        }
        return new CallIdAllocator(1, new java.util.random.RandomGenerator() {
            @Override
            public long nextLong() {
                return callId - 1;
            }

            @Override
            public int nextInt(int bound) {
                return callId - 1;
            }
        });
    }

    private String readPassword() throws Exception {
        return new String(ReadPassword.read(passwordStdin, "Password for " + user + ": ", false));
    }
}
