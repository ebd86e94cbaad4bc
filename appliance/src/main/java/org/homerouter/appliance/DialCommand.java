package org.homerouter.appliance;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.homerouter.pptp.Clock;
import org.homerouter.pptp.auth.AuthMethod;
import org.homerouter.pptp.auth.AuthPolicy;
import org.homerouter.pptp.auth.PeerCredentials;
import org.homerouter.pptp.control.CallIdAllocator;
import org.homerouter.pptp.control.ControlSettings;
import org.homerouter.pptp.control.tcp.ClientConnection;
import org.homerouter.pptp.control.tcp.ControlClient;
import org.homerouter.pptp.control.tcp.NettyTransport;
import org.homerouter.pptp.gre.GreChannelConfig;
import org.homerouter.pptp.gre.GreDemux;
import org.homerouter.pptp.ppp.ipcp.IpcpSettings;
import org.homerouter.pptp.ppp.lcp.LcpSettings;
import org.homerouter.pptp.session.PppSession;
import org.homerouter.pptp.session.PppSessions;
import org.homerouter.pptp.session.SessionEnd;
import org.homerouter.pptp.session.SessionEnvironment;
import org.homerouter.pptp.session.SessionListener;
import org.homerouter.pptp.session.SessionRole;
import org.homerouter.pptp.session.SessionSettings;
import org.homerouter.pptp.tunnel.CallTunnels;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code dial}: the engine's own PPTP client on this machine's Linux data plane. Brings a tunnel
 * up to a PPTP server, prints one {@code UP ...} line when IP flows, and hangs up cleanly on
 * SIGINT/SIGTERM. Used by the tests, the demo and (later) LAN-to-LAN dial-out.
 */
@Command(name = "dial", mixinStandardHelpOptions = true,
        description = "Dial a PPTP server with the engine's own client (needs root: raw GRE + TUN).")
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
        SecureRandom random = new SecureRandom();
        CompletableFuture<PppSession> up = new CompletableFuture<>();
        CountDownLatch ended = new CountDownLatch(1);
        PppSessions sessions = new PppSessions(settings, new SessionEnvironment(Clock.SYSTEM, random::nextBytes, null,
                null, plane.devices()), new SessionListener() {
            @Override
            public void up(PppSession s) {
                up.complete(s);
            }

            @Override
            public void ended(PppSession s, SessionEnd reason, String detail) {
                String why = reason.description() + (detail.isEmpty() ? "" : " (" + detail + ")");
                up.completeExceptionally(new IllegalStateException(why));
                System.out.println("DOWN " + why);
                ended.countDown();
            }
        });
        GreDemux demux = new GreDemux();
        plane.gre().setReceiver(demux);
        CallTunnels tunnels = new CallTunnels(plane.gre(), demux, Clock.SYSTEM, GreChannelConfig.DEFAULTS,
                sessions::sinkFor, sessions);
        ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor();
        ticker.scheduleAtFixedRate(() -> {
            sessions.poll();
            tunnels.poll();
        }, 20, 20, TimeUnit.MILLISECONDS);
        NettyTransport io = NettyTransport.create(1, "dial-io");
        ClientConnection connection = null;
        try {
            connection = ControlClient.connect(io, new InetSocketAddress(InetAddress.getByName(server), port),
                    ControlSettings.defaults("homerouter-client"), Clock.SYSTEM, Duration.ofSeconds(1), tunnels,
                    new CallIdAllocator(1)).get(timeoutSeconds, TimeUnit.SECONDS);
            var call = connection.placeCall().get(timeoutSeconds, TimeUnit.SECONDS);
            PppSession session = up.get(timeoutSeconds, TimeUnit.SECONDS);
            var ip = session.ipConfiguration().orElseThrow();
            System.out.printf("UP device=%s local=%s peer=%s encryption=%s%n", session.deviceName().orElse("?"),
                    ip.localAddress().map(InetAddress::getHostAddress).orElse("?"),
                    ip.peerAddress().map(InetAddress::getHostAddress).orElse("?"),
                    session.encryption().map(e -> "mppe-" + e.strength() + (e.stateless() ? "-stateless" : "-stateful"))
                            .orElse("none"));
            System.out.flush();
            ClientConnection c = connection;
            // Set by the hook before it hangs up: the session then ends while the hook still needs
            // the event loop to send Stop-Control-Connection-Request, so the teardown below waits.
            CountDownLatch hangingUp = new CountDownLatch(1);
            CountDownLatch hungUp = new CountDownLatch(1);
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                if (ended.getCount() == 0) {
                    return; // the peer already ended it; the event loop is gone
                }
                hangingUp.countDown();
                LOG.info("hanging up");
                try {
                    // As a real client does: LCP Terminate-Request first (RFC 1661 §3.7); when LCP is
                    // finished the session clears the call (Call-Clear-Request), then the control connection stops.
                    session.close("hung up by the user");
                    if (!ended.await(3, TimeUnit.SECONDS)) {
                        c.hangUp(call).get(3, TimeUnit.SECONDS);
                    }
                    c.stop().get(3, TimeUnit.SECONDS);
                } catch (Exception e) {
                    LOG.info("hang-up incomplete: {}", e.toString());
                } finally {
                    hungUp.countDown();
                }
            }, "hang-up"));
            ended.await();
            if (hangingUp.getCount() == 0) {
                hungUp.await(7, TimeUnit.SECONDS);
            }
            return 0;
        } catch (Exception e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            System.out.println("FAILED " + cause.getMessage());
            if (connection != null) {
                connection.stop().get(3, TimeUnit.SECONDS);
            }
            return 2;
        } finally {
            ticker.shutdownNow();
            io.shutdown(Duration.ofSeconds(1));
            plane.gre().close();
        }
    }

    private String readPassword() throws Exception {
        if (!passwordStdin && System.console() != null) {
            char[] pw = System.console().readPassword("Password for %s: ", user);
            return pw == null ? "" : new String(pw);
        }
        String line = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
        if (line == null) {
            throw new IllegalArgumentException("no password on standard input");
        }
        return line;
    }
}
