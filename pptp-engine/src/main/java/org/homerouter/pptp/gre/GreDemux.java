package org.homerouter.pptp.gre;

import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.concurrent.atomic.LongAdder;

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
 */
public final class GreDemux implements GrePacketReceiver {

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
            return;
        }
        if (!channel.peerAddress().equals(source)) {
            wrongSource.increment();
            return;
        }
        routed.increment();
        packet.limit(packet.position() + header.payloadLength());
        channel.receive(header, packet);
    }

    public GreDemuxCounters counters() {
        return new GreDemuxCounters(routed.sum(), malformed.sum(), unknownCall.sum(), wrongSource.sum());
    }
}
