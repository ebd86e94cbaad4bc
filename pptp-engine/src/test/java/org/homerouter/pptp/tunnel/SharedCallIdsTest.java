package org.homerouter.pptp.tunnel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.random.RandomGenerator;
import org.homerouter.pptp.ManualClock;
import org.homerouter.pptp.control.CallIdAllocator;
import org.homerouter.pptp.control.CallIdSpace;
import org.homerouter.pptp.control.CallListener;
import org.homerouter.pptp.control.ControlConnection;
import org.homerouter.pptp.control.InlineControlLink;
import org.homerouter.pptp.control.ControlMessage;
import org.homerouter.pptp.control.ControlProtocol;
import org.homerouter.pptp.control.ControlSettings;
import org.homerouter.pptp.control.OutgoingCallReply;
import org.homerouter.pptp.control.OutgoingCallRequest;
import org.homerouter.pptp.control.PacControlConnection;
import org.homerouter.pptp.control.PnsControlConnection;
import org.homerouter.pptp.control.PptpCall;
import org.homerouter.pptp.control.StartControlConnectionReply;
import org.homerouter.pptp.control.StartControlConnectionRequest;
import org.homerouter.pptp.gre.GreChannel;
import org.homerouter.pptp.gre.GreChannelConfig;
import org.homerouter.pptp.gre.GreDemux;
import org.homerouter.pptp.gre.GreTransport;
import org.homerouter.pptp.gre.InMemoryGreNetwork;
import org.junit.jupiter.api.Test;

/**
 * Call IDs are how GRE tells calls apart (RFC 2637 §4.1), and the router's server and its dial-out
 * register calls in one demultiplexer, each with an allocator of its own. An ID must never be given
 * to a call while another call's channel still holds it: the new call could not register and its
 * client would be dropped.
 */
class SharedCallIdsTest {
    private final ManualClock clock = new ManualClock();
    private final GreDemux demux = new GreDemux();
    private final GreTransport gre = new InMemoryGreNetwork().bind(InetAddress.getLoopbackAddress());
    private final List<String> tunnelsDown = new ArrayList<>();
    private final CallTunnels tunnels = new CallTunnels(gre, demux, clock, GreChannelConfig.DEFAULTS,
            call -> payload -> { }, new TunnelListener() {
                @Override
                public void tunnelUp(CallTunnel tunnel) {
                }

                @Override
                public void tunnelDown(CallTunnel tunnel, String reason) {
                    tunnelsDown.add(tunnel.call().localCallId() + ": " + reason);
                }
            });

    {
        gre.setReceiver(demux);
    }

    /** The allocator's random probe always starts at ID 1, so a reuse is certain rather than 1 in 65,535. */
    private static final RandomGenerator FROM_ONE = new RandomGenerator() {
        @Override
        public long nextLong() {
            return 0;
        }

        @Override
        public int nextInt(int bound) {
            return 0;
        }
    };

    /** A PAC whose link runs everything inline and records what it sends. */
    private static final class Pac {
        final List<ControlMessage> sent = new ArrayList<>();
        final PacControlConnection connection;

        Pac(CallListener calls, CallIdAllocator ids) {
            connection = new PacControlConnection(new InlineControlLink(InetAddress.getLoopbackAddress(), sent::add),
                    new ManualClock(), ControlSettings.defaults("pac"), calls, ids);
            connection.onMessage(new StartControlConnectionRequest(ControlProtocol.PROTOCOL_VERSION, 1, 1, 0, 1, "pns", "test"));
        }

        /** The client's Outgoing-Call-Request; returns the Call ID our reply gave it, or -1 if none connected it. */
        int placeCall(int peerCallId) {
            connection.onMessage(new OutgoingCallRequest(peerCallId, 1, 300, 100_000_000, 3, 3, 64, 0, "", ""));
            return sent.stream().filter(m -> m instanceof OutgoingCallReply r && r.peerCallId() == peerCallId
                    && r.resultCode() == OutgoingCallReply.RESULT_CONNECTED).mapToInt(m -> ((OutgoingCallReply) m).callId())
                    .findFirst().orElse(-1);
        }
    }

    private GreChannel dialOutChannel(int localCallId) {
        GreChannel channel = new GreChannel(localCallId, 77, InetAddress.getLoopbackAddress(), gre, clock,
                GreChannelConfig.DEFAULTS, payload -> { });
        demux.register(channel);
        return channel;
    }

    @Test
    void theServerSkipsTheIdOfTheDialOutsCall() {
        GreChannel dialOut = dialOutChannel(1);
        Pac pac = new Pac(tunnels, new CallIdAllocator(8, FROM_ONE, id -> demux.channel(id) != null));
        int id = pac.placeCall(5);
        assertEquals(2, id, "the next free ID, not the dial-out's");
        assertEquals(ControlConnection.Phase.ESTABLISHED, pac.connection.phase());
        assertSame(dialOut, demux.channel(1), "the dial-out keeps its channel");
        assertEquals(id, demux.channel(id).localCallId());
    }

    /**
     * The dial-out's ID is its own from its Outgoing-Call-Request (RFC 2637 §2.7), but its channel
     * registers only at the office's reply (§2.8): a client calling the server meanwhile was given
     * the same ID, and the office's answer then found it taken and the dial-out's call failed.
     */
    @Test
    void theServerSkipsTheIdOfADialOutCallNotYetAnswered() {
        CallIdSpace space = new CallIdSpace();
        List<ControlMessage> dialOutSent = new ArrayList<>();
        PnsControlConnection dialOut = new PnsControlConnection(
                new InlineControlLink(InetAddress.getLoopbackAddress(), dialOutSent::add), new ManualClock(),
                ControlSettings.defaults("pns"), tunnels, new CallIdAllocator(1, FROM_ONE, id -> demux.channel(id) != null, space));
        dialOut.start();
        dialOut.onMessage(new StartControlConnectionReply(ControlProtocol.PROTOCOL_VERSION, 1, 0, 1, 1, 0, 1, "office", "test"));
        dialOut.placeCall();
        int dialOutId = ((OutgoingCallRequest) dialOutSent.getLast()).callId();
        assertNull(demux.channel(dialOutId), "no channel until the office answers");

        Pac pac = new Pac(tunnels, new CallIdAllocator(8, FROM_ONE, id -> demux.channel(id) != null, space));
        int serverId = pac.placeCall(5);
        assertNotEquals(-1, serverId, "the client's call connects");
        assertNotEquals(dialOutId, serverId, "with an ID of its own");

        dialOut.onMessage(new OutgoingCallReply(77, dialOutId, OutgoingCallReply.RESULT_CONNECTED, 0, 0, 100_000_000, 64, 0, 0));
        assertEquals(dialOutId, demux.channel(dialOutId).localCallId(), "the dial-out's call connects too");
        assertEquals(serverId, demux.channel(serverId).localCallId());
        assertTrue(tunnelsDown.isEmpty(), tunnelsDown.toString());
    }

    @Test
    void withEveryFreeIdTakenElsewhereACallIsRefusedAsBusy() {
        CallIdAllocator ids = new CallIdAllocator(8, FROM_ONE, id -> true);
        Pac pac = new Pac(tunnels, ids);
        assertEquals(-1, pac.placeCall(5));
        assertTrue(pac.sent.getLast() instanceof OutgoingCallReply r && r.resultCode() == OutgoingCallReply.RESULT_BUSY,
                pac.sent.toString());
        assertEquals(ControlConnection.Phase.ESTABLISHED, pac.connection.phase(), "the connection stays");
        assertEquals(0, ids.inUse());
    }

    @Test
    void aCallWhoseIdTurnsOutTakenLeavesNothingBehind() {
        // An allocator that cannot see the demultiplexer (the dial-out registered after it looked).
        GreChannel dialOut = dialOutChannel(1);
        CallIdAllocator ids = new CallIdAllocator(8, FROM_ONE);
        Pac pac = new Pac(tunnels, ids);
        assertEquals(-1, pac.placeCall(5), "the call cannot connect");
        assertEquals(ControlConnection.Phase.CLOSED, pac.connection.phase(), "the connection is dropped as an internal error");
        assertTrue(tunnels.tunnels().isEmpty(), "no tunnel left for the failed call");
        assertEquals(1, tunnelsDown.size(), "its session slot is released: " + tunnelsDown);
        assertEquals(0, ids.inUse(), "and its ID");
        assertSame(dialOut, demux.channel(1), "the dial-out's call is untouched");
    }

    @Test
    void anIdIsNotGivenAgainUntilItsCallsChannelIsGone() {
        CallIdAllocator ids = new CallIdAllocator(8, FROM_ONE);
        List<Pac> second = new ArrayList<>();
        List<Integer> secondIds = new ArrayList<>();
        // The first connection's call is cleared while another connection (its own thread, in
        // production) places a call: here, exactly between the first call leaving the control
        // connection and its tunnel being closed.
        Pac first = new Pac(new CallListener() {
            @Override
            public void callAccepted(PptpCall call) {
                tunnels.callAccepted(call);
            }

            @Override
            public void callEstablished(PptpCall call) {
                tunnels.callEstablished(call);
            }

            @Override
            public void callCleared(PptpCall call, String reason) {
                Pac other = new Pac(tunnels, ids);
                second.add(other);
                secondIds.add(other.placeCall(9));
                tunnels.callCleared(call, reason);
            }
        }, ids);
        int firstId = first.placeCall(5);
        PptpCall call = first.connection.calls().iterator().next();
        first.connection.clearCall(call, false, "hung up");

        int secondId = secondIds.getFirst();
        assertNotEquals(-1, secondId, "the second client's call connects");
        assertNotEquals(firstId, secondId);
        assertEquals(ControlConnection.Phase.ESTABLISHED, second.getFirst().connection.phase());
        assertEquals(secondId, demux.channel(secondId).localCallId(), "its channel is registered");
        assertNull(demux.channel(firstId), "the first call's channel is gone");
        assertEquals(List.of(secondId), tunnels.tunnels().stream().map(t -> t.call().localCallId()).toList());
    }
}
