package org.homerouter.pptp.session;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.homerouter.pptp.ManualClock;
import org.homerouter.pptp.ppp.OptionVerdict;
import org.homerouter.pptp.ppp.ipcp.IpAddressOption;
import org.junit.jupiter.api.Test;

/**
 * A client naming an address in its IPCP Configure-Request (RFC 1332 §3.3; pppd's
 * {@code ipcp-accept-local}, a static "local:remote"), as the server's IP-Address option judges it
 * with a session's allocator: an address another account's session just gave back is Nak'd with
 * another of the pool, so what the LAN still sends to that account does not reach this client.
 */
class RequestedAddressQuarantineTest {
    private final ManualClock clock = new ManualClock();

    private static Inet4Address ip(String s) throws Exception {
        return (Inet4Address) InetAddress.getByName(s);
    }

    /** One server session's IP-Address option, its client logged in as {@code user}. */
    private final class Session {
        final IpAddressOption option;

        Session(AddressPool pool, String user, Map<String, Inet4Address> statics) throws Exception {
            SessionEnvironment env = new SessionEnvironment(clock, b -> { }, null, pool,
                    u -> Optional.ofNullable(statics.get(u)), null)
                    .withAssignedStaticAddresses(() -> List.copyOf(statics.values()));
            PeerAddressAssignment assignment = new PeerAddressAssignment(user, env);
            option = new IpAddressOption(ip("10.0.0.254"), false, assignment.allocator(() -> user, () -> true),
                    () -> { });
        }

        OptionVerdict asks(String address) throws Exception {
            return option.judge(ip(address).getAddress());
        }

        /** The session ends: IPCP gives the address back, and the ending session gives it to the pool. */
        void drops() {
            option.release();
        }
    }

    @Test
    void anAddressAnotherAccountJustHadIsNakdWithAnotherUntilItsQuarantineIsOver() throws Exception {
        AddressPool pool = new AddressPool(ip("10.0.0.1"), ip("10.0.0.10"), clock);
        Session alice = new Session(pool, "alice", Map.of());
        assertEquals(OptionVerdict.ack(), alice.asks("10.0.0.5"));
        alice.drops(); // LCP timeout: the LAN's server still sends to 10.0.0.5

        Session bob = new Session(pool, "bob", Map.of());
        assertEquals(OptionVerdict.nak(ip("10.0.0.1").getAddress()), bob.asks("10.0.0.5"),
                "Nak'd with an address of the pool (RFC 1332 §3.3), not alice's");
        assertEquals(OptionVerdict.ack(), bob.asks("10.0.0.1"), "which he then asks for");

        Session aliceAgain = new Session(pool, "alice", Map.of());
        assertEquals(OptionVerdict.ack(), aliceAgain.asks("10.0.0.5"), "her redial has her address back");
        aliceAgain.drops();

        clock.advance(AddressPool.QUARANTINE.minus(Duration.ofSeconds(1)));
        Session carol = new Session(pool, "carol", Map.of());
        assertEquals(OptionVerdict.nak(ip("10.0.0.2").getAddress()), carol.asks("10.0.0.5"));
        carol.drops();
        clock.advance(Duration.ofSeconds(1));
        Session bobAgain = new Session(pool, "bob", Map.of());
        assertEquals(OptionVerdict.ack(), bobAgain.asks("10.0.0.5"), "the quarantine is over");
    }

    /**
     * A pool of two, bob on one (his static address, here) and alice's just given back: nothing
     * else to offer. Refusing would leave mallory with no way in for a quarter of an hour, so she is
     * granted it (logged, saying a larger pool keeps them apart).
     */
    @Test
    void inAPoolWithNothingElseFreeTheAddressAnotherAccountJustHadIsGranted() throws Exception {
        AddressPool pool = new AddressPool(ip("10.0.0.1"), ip("10.0.0.2"), clock);
        Map<String, Inet4Address> statics = Map.of("bob", ip("10.0.0.2"));
        Session bob = new Session(pool, "bob", statics);
        assertEquals(OptionVerdict.ack(), bob.asks("10.0.0.2"));
        Session alice = new Session(pool, "alice", statics);
        assertEquals(OptionVerdict.ack(), alice.asks("10.0.0.1"));
        alice.drops();

        Session mallory = new Session(pool, "mallory", statics);
        assertEquals(OptionVerdict.ack(), mallory.asks("10.0.0.1"));
    }
}
