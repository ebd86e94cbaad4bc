package org.homerouter.pptp.gre;

import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;

import org.homerouter.pptp.Clock;

/**
 * Routes packets from a {@link GreTransport} to the {@link GreChannel} of their call.
 *
 * <p>RFC 2637 §4.1: the Key's low half carries the Call ID of the receiver, so a packet to us
 * carries our local Call ID. Call IDs are small and guessable, so a packet is accepted only from
 * the address of that call's peer (as Linux pptp.c's lookup_chan matches call ID and source
 * address): a spoofed source must not inject into a session. Dropped packets are counted, never
 * answered.
 *
 * <p>Lookups are lock-free and allocation-free: the table is an immutable pair of sorted arrays
 * replaced on (rare) registration changes.
 *
 * <p><b>Early packets.</b> The PAC sends its first LCP Configure-Request as soon as it has sent
 * the Outgoing-Call-Reply (RFC 2637 §2.8), and that GRE packet can overtake the reply's TCP segment
 * on its way through the PNS: the PNS only learns that the call exists, and registers its channel,
 * when it has read the reply. Dropped, the Configure-Request costs the whole LCP restart timer
 * (3 s, RFC 1661 §4.6) before the link can come up. So a packet for a call ID nobody has
 * registered is kept for {@link #EARLY_PACKET_NANOS} (at most {@link #EARLY_PACKETS} of them,
 * oldest evicted first) and routed when a channel for that call ID registers, if it came from
 * that channel's peer: the same check as for any packet, so nothing can be injected that could
 * not be sent after the registration anyway. It still counts as an unknown call when it arrives.
 */
public final class GreDemux implements GrePacketReceiver {
    /** How long a packet for a call not registered yet waits for its channel. */
    public static final long EARLY_PACKET_NANOS = 1_000_000_000L;
    /** Most packets kept for calls not registered yet, all calls together. */
    public static final int EARLY_PACKETS = 64;

    private record EarlyPacket(int callId, InetAddress source, byte[] packet, long arrived) {
    }

    private record Table(int[] callIds, GreChannel[] channels) {
        GreChannel find(int callId) {
            int i = Arrays.binarySearch(callIds, callId);
            return i >= 0 ? channels[i] : null;
        }
    }

    private volatile Table table = new Table(new int[0], new GreChannel[0]);
    private final Object writeLock = new Object();

    private final LongAdder routed = new LongAdder();
    private final LongAdder malformed = new LongAdder();
    private final LongAdder unknownCall = new LongAdder();
    private final LongAdder wrongSource = new LongAdder();
    private final Clock clock;
    private final ArrayDeque<EarlyPacket> early = new ArrayDeque<>(); // guarded by itself

    /** A demultiplexer that times early packets on the system clock. */
    public GreDemux() {
        this(Clock.SYSTEM);
    }

    /** @param clock times how long an early packet waits for its channel */
    public GreDemux(Clock clock) {
        this.clock = clock;
    }

    /**
     * Starts routing packets for {@code channel}'s local Call ID to it.
     *
     * @throws IllegalStateException if another channel holds that Call ID
     */
    public void register(GreChannel channel) {
        synchronized (writeLock) {
            Table t = table;
            int i = Arrays.binarySearch(t.callIds, channel.localCallId());
            if (i >= 0) {
                throw new IllegalStateException("call ID " + channel.localCallId() + " already registered");
            }
            int at = -i - 1;
            int n = t.callIds.length;
            int[] ids = new int[n + 1];
            GreChannel[] chs = new GreChannel[n + 1];
            System.arraycopy(t.callIds, 0, ids, 0, at);
            System.arraycopy(t.channels, 0, chs, 0, at);
            ids[at] = channel.localCallId();
            chs[at] = channel;
            System.arraycopy(t.callIds, at, ids, at + 1, n - at);
            System.arraycopy(t.channels, at, chs, at + 1, n - at);
            table = new Table(ids, chs);
        }
        for (EarlyPacket p : takeEarly(channel)) {
            onPacket(p.source(), ByteBuffer.wrap(p.packet()));
        }
    }

    /** Stops routing to {@code channel}; returns false if it was not registered. */
    public boolean unregister(GreChannel channel) {
        synchronized (writeLock) {
            Table t = table;
            int i = Arrays.binarySearch(t.callIds, channel.localCallId());
            if (i < 0 || t.channels[i] != channel) {
                return false;
            }
            int n = t.callIds.length;
            int[] ids = new int[n - 1];
            GreChannel[] chs = new GreChannel[n - 1];
            System.arraycopy(t.callIds, 0, ids, 0, i);
            System.arraycopy(t.channels, 0, chs, 0, i);
            System.arraycopy(t.callIds, i + 1, ids, i, n - i - 1);
            System.arraycopy(t.channels, i + 1, chs, i, n - i - 1);
            table = new Table(ids, chs);
            return true;
        }
    }

    /** How many channels are registered, for leak checks (the soak benchmark). Read-only. */
    public int registered() {
        return table.callIds.length;
    }

    /** The channel registered for {@code localCallId}, or null. */
    public GreChannel channel(int localCallId) {
        return table.find(localCallId);
    }

    /**
     * Decodes and routes one packet. The packet's limit is narrowed to the payload before the
     * channel sees it, so trailing padding (§4.1 payload length governs) never reaches PPP.
     */
    @Override
    public void onPacket(InetAddress source, ByteBuffer packet) {
        Table t = table;
        int start = packet.position();
        GreHeader header;
        try {
            header = GreCodec.decode(packet);
        } catch (MalformedGreException e) {
            malformed.increment();
            // Charge it to the call too when the Key is readable and the source is that call's peer,
            // so a session's own counters show a peer sending garbage.
            int callId = GreCodec.peekCallId(packet);
            GreChannel channel = callId < 0 ? null : t.find(callId);
            if (channel != null && channel.peerAddress().equals(source)) {
                channel.countMalformed();
            }
            return;
        }
        GreChannel channel = t.find(header.callId());
        if (channel == null) {
            unknownCall.increment();
            keepEarly(header.callId(), source, packet, start);
            return;
        }
        if (!channel.peerAddress().equals(source)) {
            wrongSource.increment();
            channel.countFromElsewhere(source);
            return;
        }
        routed.increment();
        packet.limit(packet.position() + header.payloadLength());
        channel.receive(header, packet);
    }

    private void keepEarly(int callId, InetAddress source, ByteBuffer packet, int start) {
        byte[] copy = new byte[packet.limit() - start];
        packet.get(start, copy);
        long now = clock.nanos();
        synchronized (early) {
            // The channel may have registered since this packet's lookup, and its register() may
            // have taken the early packets already: kept now, this one would wait for nobody and
            // the peer's LCP would stall for its restart timer (bench 1b's 1,000 sessions saw
            // such 3 s stalls). register() publishes the table before it takes the early packets
            // under this lock, so whichever comes second here sees the other.
            if (table.find(callId) == null) {
                if (early.size() == EARLY_PACKETS) {
                    early.removeFirst();
                }
                early.addLast(new EarlyPacket(callId, source, copy, now));
                return;
            }
        }
        onPacket(source, ByteBuffer.wrap(copy));
    }

    /** Removes and returns, oldest first, the early packets {@code channel} should get; forgets expired ones. */
    private List<EarlyPacket> takeEarly(GreChannel channel) {
        List<EarlyPacket> out = new ArrayList<>(0);
        long now = clock.nanos();
        synchronized (early) {
            for (Iterator<EarlyPacket> it = early.iterator(); it.hasNext(); ) {
                EarlyPacket p = it.next();
                if (now - p.arrived() > EARLY_PACKET_NANOS) {
                    it.remove();
                } else if (p.callId() == channel.localCallId() && p.source().equals(channel.peerAddress())) {
                    it.remove();
                    out.add(p);
                }
            }
        }
        return out;
    }

    public GreDemuxCounters counters() {
        return new GreDemuxCounters(routed.sum(), malformed.sum(), unknownCall.sum(), wrongSource.sum());
    }
}
