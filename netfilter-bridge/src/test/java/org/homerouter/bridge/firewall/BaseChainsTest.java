package org.homerouter.bridge.firewall;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.homerouter.bridge.admin.AdminCommands;
import org.junit.jupiter.api.Test;

/**
 * The base firewall's chains, asked of nft until it answers (no kernel touched: nft is a fake).
 * A busy boot's nft timing out at the service's start is no answer: taken for "no such chain", the
 * WAN admitted no VPN client and the LAN's DNS was never held, for the life of the service.
 */
class BaseChainsTest {
    /** nft as a busy board has it: timing out while {@link #busy}, else answering as the image's would. */
    private static final class Nft extends AdminCommands {
        volatile boolean busy = true;
        volatile boolean chainsThere = true;
        final List<String> applied = new CopyOnWriteArrayList<>();

        Nft() {
            super(null);
        }

        @Override
        public String run(String stdin, String... command) throws IOException {
            if (busy) {
                throw new IOException(String.join(" ", command) + " timed out after 10000 ms");
            }
            if (command[0].equals("ip")) { // ip -4 route get ADDRESS: the tunnel reaches it
                return command[command.length - 1] + " dev ppp0 src 10.1.0.2 uid 0\n";
            }
            if (stdin.startsWith("list chain")) {
                if (!chainsThere) {
                    throw new IOException("nft -f - failed (1): /dev/stdin:1:17-25: Error: No such file or directory");
                }
                return "";
            }
            applied.add(stdin);
            return "";
        }
    }

    private static final InetSocketAddress SERVER = new InetSocketAddress(InetAddress.getLoopbackAddress(), 1723);

    @Test
    void theWanAdmitsTheServerOnceNftAnswersAfterATimeoutAtStart() throws IOException {
        Nft nft = new Nft();
        WanAdmission wan = WanAdmission.find(nft);
        assertFalse(wan.present(), "not known yet");
        // The change fails (the appliance's KernelRetry tries it again) rather than counting as done.
        assertThrows(IOException.class, () -> wan.admit(SERVER, null));
        nft.busy = false;
        wan.admit(SERVER, null);
        assertTrue(wan.present());
        assertEquals(1, nft.applied.size());
        assertTrue(nft.applied.getFirst().contains("tcp dport 1723 accept"), nft.applied.getFirst());
    }

    @Test
    void theLansDnsIsHeldOnceNftAnswersAfterATimeoutAtStart() throws IOException {
        Nft nft = new Nft();
        LanDns dns = LanDns.find(nft);
        assertThrows(IOException.class, () -> dns.hold(true));
        nft.busy = false;
        dns.hold(true);
        assertTrue(dns.present());
        assertTrue(nft.applied.getLast().contains("drop comment \"LAN DNS held\""), nft.applied.toString());
    }

    /**
     * The site-to-site tunnel came up while nft still did not answer: once it does, the hold's
     * retry sends the LAN's queries to the office's DNS server through the tunnel; recorded as down,
     * they were dropped while the tunnel was up, until the next redial.
     */
    @Test
    void aTunnelUpBeforeNftAnsweredGetsItsDnsServerOnceItDoes() throws IOException {
        Nft nft = new Nft();
        LanDns dns = LanDns.find(nft);
        assertThrows(IOException.class, () -> dns.hold(true));
        java.net.Inet4Address office = (java.net.Inet4Address) InetAddress.getByName("10.1.0.53");
        assertThrows(IOException.class, () -> dns.tunnelUp(List.of(office), "ppp0"));
        nft.busy = false;
        dns.hold(true); // the DNS hold's retry
        assertEquals(office, dns.server());
        assertTrue(nft.applied.getLast().contains("dnat ip to 10.1.0.53"), nft.applied.toString());
    }

    /** nft's own "No such file or directory" is an answer: a host without the image's firewall, where there is nothing to fill. */
    @Test
    void chainsNftSaysAreNotThereAreLeftAlone() throws IOException {
        Nft nft = new Nft();
        nft.busy = false;
        nft.chainsThere = false;
        WanAdmission wan = WanAdmission.find(nft);
        wan.admit(SERVER, null);
        assertFalse(wan.present());
        assertTrue(nft.applied.isEmpty(), nft.applied.toString());
    }
}
