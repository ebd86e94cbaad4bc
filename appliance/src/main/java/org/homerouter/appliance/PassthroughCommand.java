package org.homerouter.appliance;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.homerouter.bridge.alg.ConntrackNatAddress;
import org.homerouter.bridge.alg.InboundPptpForward;
import org.homerouter.bridge.alg.PassthroughAlg;
import org.homerouter.pptp.alg.RouterCallIds;
import org.homerouter.pptp.alg.TrackedCallView;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code passthrough}: the PPTP passthrough ALG alone, on this machine's forward path, until
 * SIGINT/SIGTERM. Prints {@code READY} once the queue and the table are in place, then one
 * {@code CALL ...} line per tracked call whenever the set of calls changes. For tests, interop
 * runs and routers that want only the ALG; {@code run} starts it too when
 * {@code passthrough.enabled} is true, and while {@code run} runs this command refuses to
 * ({@link RunningService}).
 */
@Command(name = "passthrough", mixinStandardHelpOptions = true,
        description = "Run the PPTP passthrough ALG (NAT of PPTP control and GRE call IDs for LAN clients; needs root).")
final class PassthroughCommand implements Callable<Integer> {
    /** The NFQUEUE the ALG binds: PPTP's port number, easy to recognise in iptables -S. */
    static final int QUEUE = 1723;

    @Option(names = "--queue", defaultValue = "1723", description = "NFQUEUE number. Default: ${DEFAULT-VALUE}")
    int queue;

    @Option(names = "--inbound-server", description = "Also forward TCP 1723 + GRE from outside to this PPTP server in the LAN.")
    String inboundServer;

    @Override
    public Integer call() throws Exception {
        if (RunningService.runsHere()) {
            // Beside it, this ALG would not know the router's own calls' IDs (a NAT ID equal to one
            // takes that call's GRE to a LAN host), and its inbound forward has the service's table name.
            throw new java.io.IOException("the homerouter service runs here: switch passthrough on in its web UI"
                    + " (PPTP passthrough page), or stop the service first");
        }
        PassthroughAlg alg = PassthroughAlg.start(null, queue, new ConntrackNatAddress(null), RouterCallIds.NONE);
        InboundPptpForward forward = new InboundPptpForward(null);
        if (inboundServer != null) {
            try {
                forward.apply((Inet4Address) InetAddress.getByName(inboundServer));
            } catch (Exception e) {
                alg.close();
                throw e;
            }
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            forward.close();
            alg.close();
            System.out.println("STOPPED");
            System.out.flush();
            stopped.countDown();
        }, "passthrough-stop"));
        System.out.println("READY queue=" + queue);
        System.out.flush();
        List<String> last = List.of();
        while (stopped.getCount() > 0) {
            List<String> now = alg.calls().stream().map(PassthroughCommand::line).sorted().toList();
            List<String> keys = now.stream().map(l -> l.replaceAll(" bytes=.*", "")).toList();
            if (!keys.equals(last.stream().map(l -> l.replaceAll(" bytes=.*", "")).toList())) {
                System.out.println("CALLS " + now.size());
                now.forEach(System.out::println);
                System.out.flush();
                last = now;
            }
            Thread.sleep(500);
        }
        return 0;
    }

    private static String line(TrackedCallView c) {
        return "CALL client=" + c.client().getHostAddress() + " server=" + c.server().getHostAddress()
                + " client_call_id=" + c.clientCallId() + " nat_call_id=" + c.natCallId() + " server_call_id="
                + c.serverCallId() + " state=" + c.state() + " bytes=" + c.bytesToClient() + "/" + c.bytesToServer()
                + " age_s=" + c.age().toSeconds();
    }
}
