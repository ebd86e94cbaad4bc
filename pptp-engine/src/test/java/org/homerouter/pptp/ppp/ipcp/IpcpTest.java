package org.homerouter.pptp.ppp.ipcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import org.homerouter.pptp.LogCapture;
import org.homerouter.pptp.ManualClock;
import org.homerouter.pptp.ppp.AutomatonState;
import org.homerouter.pptp.ppp.ControlPacket;
import org.homerouter.pptp.ppp.ControlPacketCodec;
import org.junit.jupiter.api.Test;

class IpcpTest {

    private static Inet4Address ip(String s) {
        try {
            return (Inet4Address) InetAddress.getByName(s);
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    private static byte[] bytes(String hex) {
        return HexFormat.of().parseHex(hex.replaceAll("\\s+", ""));
    }

    private static String hex(ControlPacket p) {
        return HexFormat.of().formatHex(ControlPacketCodec.encode(p));
    }

    /** Hands out addresses from a list and remembers what came back. */
    private static final class ListAllocator implements PeerAddressAllocator {
        final ArrayDeque<Inet4Address> free = new ArrayDeque<>();
        final List<Inet4Address> released = new ArrayList<>();

        ListAllocator(String... addresses) {
            for (String a : addresses) {
                free.add(ip(a));
            }
        }

        @Override
        public Optional<Inet4Address> allocate() {
            return Optional.ofNullable(free.poll());
        }

        @Override
        public void release(Inet4Address address) {
            released.add(address);
            free.add(address);
        }
    }

    private static final class Events implements IpcpListener {
        final List<String> log = new ArrayList<>();
        IpcpConfiguration configuration;

        @Override
        public void ipUp(IpcpConfiguration c) {
            configuration = c;
            log.add("up");
        }

        @Override
        public void ipDown() {
            log.add("down");
        }

        @Override
        public void finished() {
            log.add("finished");
        }

        @Override
        public void addressPoolExhausted() {
            log.add("exhausted");
        }
    }

    private static final class Endpoint {
        final List<ControlPacket> sent = new ArrayList<>();
        final Events events = new Events();
        final Ipcp ipcp;

        Endpoint(IpcpSettings settings, PeerAddressAllocator allocator) {
            ipcp = new Ipcp(settings, new ManualClock(), allocator, sent::add, events);
            ipcp.open();
            ipcp.lowerLayerUp();
        }

        void receive(String hex) {
            ipcp.receive(ByteBuffer.wrap(bytes(hex)));
        }

        ControlPacket ourRequest() {
            return sent.stream().filter(p -> p.code() == ControlPacket.CONFIGURE_REQUEST).reduce((a, b) -> b).orElseThrow();
        }

        void peerAcksOurRequest() {
            ControlPacket r = ourRequest();
            ipcp.receive(new ControlPacket(ControlPacket.CONFIGURE_ACK, r.identifier(), r.data()));
        }
    }

    private static IpcpSettings homeServer() {
        return IpcpSettings.server(ip("192.168.1.1"), ip("192.168.1.1"), ip("8.8.8.8"), null, null);
    }

    @Test
    void windowsClientGetsVjAndNbnsRejectedThenAddressAndDnsAssigned() {
        ListAllocator pool = new ListAllocator("192.168.1.100");
        Endpoint server = new Endpoint(homeServer(), pool);
        ControlPacket ours = server.ourRequest();
        assertEquals(String.format("01%02x000a", ours.identifier())
                + "0306c0a80101", hex(ours), "IP-Address 192.168.1.1");

        // Windows' first IPCP Configure-Request, Identifier 1, Length 40.
        server.receive("""
                01 01 00 28
                02 06 00 2d 0f 01
                03 06 00 00 00 00
                81 06 00 00 00 00
                82 06 00 00 00 00
                83 06 00 00 00 00
                84 06 00 00 00 00
                """);
        //   IP-Compression-Protocol: Van Jacobson (0x002d), Max-Slot-Id 15, Comp-Slot-Id 1
        //   IP-Address 0.0.0.0, then Primary DNS, Primary NBNS, Secondary DNS, Secondary NBNS, all 0.0.0.0
        assertEquals(HexFormat.of().formatHex(bytes("""
                04 01 00 16
                02 06 00 2d 0f 01
                82 06 00 00 00 00
                84 06 00 00 00 00
                """)), hex(server.sent.getLast()), "Configure-Reject: VJ and the NBNS options we do not offer");

        server.receive("""
                01 02 00 16
                03 06 00 00 00 00
                81 06 00 00 00 00
                83 06 00 00 00 00
                """);
        assertEquals(HexFormat.of().formatHex(bytes("""
                03 02 00 16
                03 06 c0 a8 01 64
                81 06 c0 a8 01 01
                83 06 08 08 08 08
                """)), hex(server.sent.getLast()), "Configure-Nak: 192.168.1.100, DNS 192.168.1.1 and 8.8.8.8");

        server.receive("""
                01 03 00 16
                03 06 c0 a8 01 64
                81 06 c0 a8 01 01
                83 06 08 08 08 08
                """);
        assertEquals(ControlPacket.CONFIGURE_ACK, server.sent.getLast().code());
        server.peerAcksOurRequest();
        assertEquals(AutomatonState.OPENED, server.ipcp.state());
        IpcpConfiguration c = server.events.configuration;
        assertEquals(Optional.of(ip("192.168.1.1")), c.localAddress());
        assertEquals(Optional.of(ip("192.168.1.100")), c.peerAddress());
        assertEquals(Optional.of(ip("192.168.1.1")), c.primaryDns());
        assertEquals(Optional.of(ip("8.8.8.8")), c.secondaryDns());
        assertEquals(Optional.empty(), c.primaryNbns());
    }

    @Test
    void nbnsIsOfferedWhenConfiguredAndAnotherAddressIsCorrected() {
        Endpoint server = new Endpoint(IpcpSettings.server(ip("10.0.0.1"), null, null, ip("10.0.0.2"), null),
                new ListAllocator("10.0.0.50"));
        server.receive("""
                01 01 00 10
                03 06 0a 00 00 07
                82 06 00 00 00 00
                """); // asks for 10.0.0.7 and a primary NBNS
        assertEquals(HexFormat.of().formatHex(bytes("""
                03 01 00 10
                03 06 0a 00 00 32
                82 06 0a 00 00 02
                """)), hex(server.sent.getLast()), "the server decides the address");
    }

    @Test
    void aPeerThatLeavesTheAddressOutIsNakdOnceAndThenGivenItAllTheSame() {
        // RFC 1332 §3.3 and pppd's ipcp_reqci: a request without IP-Address draws a Nak that
        // carries one; a peer that still leaves it out gets the allocated address all the same.
        Endpoint server = new Endpoint(homeServer(), new ListAllocator("192.168.1.100"));
        server.receive("01 01 00 0a 81 06 00 00 00 00"); // only Primary DNS
        assertEquals(HexFormat.of().formatHex(bytes("""
                03 01 00 10
                81 06 c0 a8 01 01
                03 06 c0 a8 01 64
                """)), hex(server.sent.getLast()), "Configure-Nak: the DNS, and the address to ask for");

        server.receive("01 02 00 0a 81 06 c0 a8 01 01"); // ignores the address again
        assertEquals("0202000a8106c0a80101", hex(server.sent.getLast()), "acknowledged: asked once only");
        server.peerAcksOurRequest();
        assertEquals(AutomatonState.OPENED, server.ipcp.state());
        assertEquals(Optional.of(ip("192.168.1.100")), server.events.configuration.peerAddress());
    }

    @Test
    void aPeerThatLeavesTheAddressOutAfterMaxFailureIsGivenItWithoutANak() {
        // RFC 1661 §4.6: after Max-Failure Naks the server rejects instead; a peer that then
        // drops IP-Address is acknowledged, and still gets the allocated address.
        Endpoint server = new Endpoint(homeServer(), new ListAllocator("192.168.1.100"));
        for (int id = 1; id <= 5; id++) {
            server.receive(String.format("01 %02x 00 0a 03 06 0a 00 00 07", id)); // insists on 10.0.0.7
            assertEquals(ControlPacket.CONFIGURE_NAK, server.sent.getLast().code());
        }
        server.receive("01 06 00 0a 03 06 0a 00 00 07");
        assertEquals(ControlPacket.CONFIGURE_REJECT, server.sent.getLast().code(), "Max-Failure reached");
        server.receive("01 07 00 04");
        assertEquals(ControlPacket.CONFIGURE_ACK, server.sent.getLast().code());
        server.peerAcksOurRequest();
        assertEquals(AutomatonState.OPENED, server.ipcp.state());
        assertEquals(Optional.of(ip("192.168.1.100")), server.events.configuration.peerAddress());
    }

    @Test
    void clientLearnsItsAddressAndDnsFromAServer() {
        ListAllocator pool = new ListAllocator("192.168.1.100");
        ManualClock clock = new ManualClock();
        ArrayDeque<ControlPacket> toServer = new ArrayDeque<>();
        ArrayDeque<ControlPacket> toClient = new ArrayDeque<>();
        Events serverEvents = new Events();
        Events clientEvents = new Events();
        Ipcp server = new Ipcp(homeServer(), clock, pool, toClient::add, serverEvents);
        Ipcp client = new Ipcp(IpcpSettings.client(), clock, null, toServer::add, clientEvents);
        server.open();
        client.open();
        server.lowerLayerUp();
        client.lowerLayerUp();
        for (int i = 0; i < 50 && !(toServer.isEmpty() && toClient.isEmpty()); i++) {
            if (!toServer.isEmpty()) {
                server.receive(toServer.poll());
            }
            if (!toClient.isEmpty()) {
                client.receive(toClient.poll());
            }
        }
        assertEquals(AutomatonState.OPENED, server.state());
        assertEquals(AutomatonState.OPENED, client.state());
        IpcpConfiguration c = clientEvents.configuration;
        assertEquals(Optional.of(ip("192.168.1.100")), c.localAddress());
        assertEquals(Optional.of(ip("192.168.1.1")), c.peerAddress());
        assertEquals(Optional.of(ip("192.168.1.1")), c.primaryDns());
        assertEquals(Optional.of(ip("8.8.8.8")), c.secondaryDns());
        assertEquals(Optional.of(ip("192.168.1.100")), serverEvents.configuration.peerAddress());
    }

    @Test
    void clientStopsAskingForDnsTheServerRejects() {
        Endpoint client = new Endpoint(IpcpSettings.client(), null);
        ControlPacket first = client.ourRequest();
        assertEquals(String.format("01%02x0016", first.identifier())
                + "030600000000" + "810600000000" + "830600000000", hex(first));
        client.ipcp.receive(new ControlPacket(ControlPacket.CONFIGURE_REJECT, first.identifier(),
                bytes("81 06 00 00 00 00 83 06 00 00 00 00")));
        ControlPacket second = client.ourRequest();
        assertEquals("030600000000", HexFormat.of().formatHex(second.data()));
        client.ipcp.receive(new ControlPacket(ControlPacket.CONFIGURE_NAK, second.identifier(), bytes("03 06 c0 a8 01 64")));
        assertEquals("0306c0a80164", HexFormat.of().formatHex(client.ourRequest().data()), "takes the assigned address");
    }

    /**
     * A server with no DNS server that Naks the option with 0.0.0.0 rather than rejecting it
     * (RFC 1877 §1 says reject): taken as a reject. Asked again, such a server Naks again, and
     * request and Nak bounced until the link's setup timed out.
     */
    @Test
    void clientStopsAskingForDnsTheServerNaksWithNoAddress() {
        Endpoint client = new Endpoint(IpcpSettings.client(), null);
        ControlPacket first = client.ourRequest();
        client.ipcp.receive(new ControlPacket(ControlPacket.CONFIGURE_NAK, first.identifier(),
                bytes("03 06 c0 a8 01 64 81 06 00 00 00 00 83 06 00 00 00 00")));
        assertEquals("0306c0a80164", HexFormat.of().formatHex(client.ourRequest().data()),
                "the address taken, the name servers no more asked for");
    }

    /**
     * A server with no address to give that Naks the client's request for one with 0.0.0.0 (pppd
     * without a remote address does; RFC 1332 §3.3 has a Nak carry a valid address): the client
     * closes IPCP at once and says so. It asked again, was Nak'd again, and request and Nak bounced
     * until the link's setup timed out, "no answer" in the end.
     */
    @Test
    void aClientWhoseRequestForAnAddressIsNakdWithNoneStopsAtOnce() {
        Endpoint client = new Endpoint(IpcpSettings.client(), null);
        ControlPacket first = client.ourRequest();
        client.ipcp.receive(new ControlPacket(ControlPacket.CONFIGURE_NAK, first.identifier(), bytes("03 06 00 00 00 00")));
        assertEquals(List.of("exhausted"), client.events.log);
        assertEquals(AutomatonState.CLOSING, client.ipcp.state());
        assertEquals(ControlPacket.TERMINATE_REQUEST, client.sent.getLast().code());
        client.ipcp.receive(new ControlPacket(ControlPacket.CONFIGURE_NAK, client.ourRequest().identifier(),
                bytes("03 06 00 00 00 00")));
        assertEquals(ControlPacket.TERMINATE_REQUEST, client.sent.getLast().code(), "asks no more");
    }

    /**
     * A client asking again for the address it had (renegotiating), refused with 0.0.0.0 in its
     * place: asks to be assigned one instead, not for the same again.
     */
    @Test
    void aClientWhoseOldAddressIsNakdWithNoneAsksToBeAssignedOne() {
        List<ControlPacket> sent = new ArrayList<>();
        Events events = new Events();
        Ipcp client = new Ipcp(IpcpSettings.client(), new ManualClock(), null, sent::add, events);
        client.askForAddress(ip("192.168.1.100"));
        client.lowerLayerUp();
        client.open();
        ControlPacket asked = sent.getLast();
        assertEquals("0306c0a80164", HexFormat.of().formatHex(asked.data()).substring(0, 12), "the old address");
        client.receive(new ControlPacket(ControlPacket.CONFIGURE_NAK, asked.identifier(), bytes("03 06 00 00 00 00")));
        assertEquals(ControlPacket.CONFIGURE_REQUEST, sent.getLast().code());
        assertEquals("030600000000", HexFormat.of().formatHex(sent.getLast().data()).substring(0, 12));
        assertEquals(List.of(), events.log);
    }

    /**
     * RFC 1332 §3.3: a client may name the address it wants. Renegotiating (here the server's
     * Configure-Request in Opened, RFC 1661 §4.2), the client asks for the address it was assigned,
     * not 0.0.0.0, so a server that keeps it for the client acks it; one that will not Naks with
     * another, and the client takes that.
     */
    @Test
    void aClientRenegotiatingAsksForTheAddressItWasAssignedAndTakesAnotherIfNakd() {
        Endpoint client = new Endpoint(new IpcpSettings(ip("0.0.0.0"), true, null, null, null, null, false,
                org.homerouter.pptp.ppp.AutomatonSettings.DEFAULTS), null);
        client.receive("01 01 00 0a 03 06 c0 a8 01 01"); // the server's own address: acked
        assertEquals("030600000000", HexFormat.of().formatHex(client.ourRequest().data()), "first: assign me one");
        client.ipcp.receive(new ControlPacket(ControlPacket.CONFIGURE_NAK, client.ourRequest().identifier(),
                bytes("03 06 c0 a8 01 64")));
        client.peerAcksOurRequest();
        assertEquals(AutomatonState.OPENED, client.ipcp.state());
        assertEquals(Optional.of(ip("192.168.1.100")), client.events.configuration.localAddress());

        client.receive("01 02 00 0a 03 06 c0 a8 01 01"); // the server renegotiates
        assertEquals("0306c0a80164", HexFormat.of().formatHex(client.ourRequest().data()),
                "asks for the address it had");
        client.ipcp.receive(new ControlPacket(ControlPacket.CONFIGURE_NAK, client.ourRequest().identifier(),
                bytes("03 06 c0 a8 01 65")));
        assertEquals("0306c0a80165", HexFormat.of().formatHex(client.ourRequest().data()), "takes the one offered");
        client.peerAcksOurRequest();
        assertEquals(AutomatonState.OPENED, client.ipcp.state());
        assertEquals(Optional.of(ip("192.168.1.101")), client.events.configuration.localAddress());
    }

    /** A new IPCP after the link was renegotiated asks for the address the client had (see PppSession). */
    @Test
    void aClientsNewIpcpAsksForTheAddressItHadBefore() {
        ManualClock clock = new ManualClock();
        List<ControlPacket> sent = new ArrayList<>();
        Ipcp client = new Ipcp(IpcpSettings.client(), clock, null, sent::add, new Events());
        client.askForAddress(ip("192.168.1.100"));
        client.lowerLayerUp();
        client.open();
        assertEquals("0306c0a80164" + "810600000000" + "830600000000", HexFormat.of().formatHex(sent.getLast().data()));

        List<ControlPacket> fromServer = new ArrayList<>();
        Ipcp server = new Ipcp(homeServer(), clock, new ListAllocator("192.168.1.100"), fromServer::add, new Events());
        server.askForAddress(ip("192.168.1.7"));
        server.lowerLayerUp();
        server.open();
        assertEquals("0306c0a80101", HexFormat.of().formatHex(fromServer.getLast().data()),
                "a server's own address is configured, not assigned: unchanged");
    }

    @Test
    void clientRejectsAServerWithoutAnAddress() {
        Endpoint client = new Endpoint(IpcpSettings.client(), null);
        client.receive("01 01 00 0a 03 06 00 00 00 00");
        assertEquals("0401000a030600000000", hex(client.sent.getLast()));
    }

    /** The session, told, logs the exhausted pool under its own name: IPCP adds no nameless warning of its own. */
    /**
     * With many sessions up, "IPCP up" with an address and DNS servers said nothing of whose they
     * were: it starts with the session's name, as LCP's and CCP's lines do, and so do the
     * automaton's lines.
     */
    @Test
    void itsLogLinesNameTheSession() {
        ListAllocator pool = new ListAllocator("192.168.1.100");
        List<ControlPacket> sent = new ArrayList<>();
        Events events = new Events();
        Ipcp server = new Ipcp("call 7 (192.0.2.7)", homeServer(), new ManualClock(), pool, sent::add, events);
        try (LogCapture log = LogCapture.start()) {
            server.open();
            server.lowerLayerUp();
            server.receive(ByteBuffer.wrap(bytes("01 01 00 0a 03 06 c0 a8 01 64")));
            server.receive(ByteBuffer.wrap(bytes("7f 01 00 04"))); // a code IPCP does not know, rejected
            ControlPacket ours = sent.stream().filter(p -> p.code() == ControlPacket.CONFIGURE_REQUEST).findFirst()
                    .orElseThrow();
            server.receive(new ControlPacket(ControlPacket.CONFIGURE_ACK, ours.identifier(), ours.data()));
            assertEquals(AutomatonState.OPENED, server.state());
            List<String> ipcpLines = log.lines().stream().filter(l -> l.contains("IPCP")).toList();
            assertTrue(ipcpLines.contains("DEBUG call 7 (192.0.2.7): IPCP up: " + events.configuration), ipcpLines.toString());
            assertTrue(ipcpLines.stream().allMatch(l -> l.matches("[A-Z]+ call 7 \\(192\\.0\\.2\\.7\\): IPCP.*")),
                    ipcpLines.toString());
        }
    }

    @Test
    void exhaustedPoolClosesIpcp() {
        Endpoint server = new Endpoint(homeServer(), new ListAllocator());
        try (LogCapture log = LogCapture.start()) {
            server.receive("01 01 00 0a 03 06 00 00 00 00");
            assertEquals(List.of(), log.lines().stream().filter(l -> l.startsWith("WARN")).toList());
        }
        assertEquals(List.of("exhausted"), server.events.log);
        assertEquals(ControlPacket.TERMINATE_REQUEST, server.sent.getLast().code());
        assertEquals(AutomatonState.CLOSING, server.ipcp.state());
    }

    @Test
    void peerAddressIsReleasedWhenIpcpFinishes() {
        ListAllocator pool = new ListAllocator("192.168.1.100");
        Endpoint server = new Endpoint(homeServer(), pool);
        server.receive("01 01 00 0a 03 06 c0 a8 01 64");
        server.peerAcksOurRequest();
        assertEquals(AutomatonState.OPENED, server.ipcp.state());
        assertEquals(List.of(), pool.released);

        server.ipcp.close();
        server.ipcp.receive(new ControlPacket(ControlPacket.TERMINATE_ACK, server.sent.getLast().identifier()));
        assertEquals(List.of("up", "down", "finished"), server.events.log);
        assertEquals(List.of(ip("192.168.1.100")), pool.released);
        assertTrue(server.ipcp.configuration().isEmpty());
    }

    @Test
    void addressNakedBeforeIpcpOpensIsReleasedWhenTheLinkDrops() {
        // Found by SessionFuzzTest: Down in Ack-Sent goes to Starting without This-Layer-Finished
        // (RFC 1661 §4.1), so a client vanishing mid-negotiation used to keep its pool address.
        ListAllocator pool = new ListAllocator("192.168.1.100");
        Endpoint server = new Endpoint(homeServer(), pool);
        server.receive("01 01 00 0a 03 06 00 00 00 00");
        assertEquals(AutomatonState.REQ_SENT, server.ipcp.state(), "the 0.0.0.0 request was Nak'd, ours unanswered");
        assertEquals(List.of(), pool.released);

        server.ipcp.lowerLayerDown();
        assertEquals(List.of(ip("192.168.1.100")), pool.released, "the Nak'd address went back to the pool");
        server.ipcp.lowerLayerDown();
        assertEquals(1, pool.released.size(), "released once only");
    }

    @Test
    void unknownCodeIsCodeRejected() {
        Endpoint server = new Endpoint(homeServer(), new ListAllocator("192.168.1.100"));
        server.receive("09 01 00 08 00 00 00 00"); // an LCP-only code means nothing to IPCP
        assertEquals(ControlPacket.CODE_REJECT, server.sent.getLast().code());
    }
}
