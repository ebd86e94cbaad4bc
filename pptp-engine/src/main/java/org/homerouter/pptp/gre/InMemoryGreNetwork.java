package org.homerouter.pptp.gre;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;

/**
 * An IP network for GRE that lives in memory: the engine's test double for the raw socket, the way
 * wireguard-go's bindtest stands in for UDP.
 *
 * <p>Delivery is queued, not synchronous: {@link GreTransport#send} copies the packet, applies the
 * {@link Impairment} and appends it to one network-wide FIFO; nothing is delivered until the test
 * calls {@link #deliverNext()} or {@link #deliverAll()} on its own thread. That keeps runs
 * deterministic, avoids re-entering a channel from inside its own send, and lets a test look at
 * the network between steps. Receivers run on the delivering thread, outside the network's lock,
 * so they may send (the reply is queued behind what is already there).
 *
 * <p>Reordering is modelled by delay: a packet given {@link Fate#delayBy(int)} enters the queue
 * only after that many later packets have entered it (dropped and delayed ones do not count), or
 * when the test calls {@link #releaseDelayed()}.
 */
public final class InMemoryGreNetwork {

    /** Decides what happens to each packet sent; {@code packet} is a read-only view. */
    @FunctionalInterface
    public interface Impairment {
        Fate decide(InetAddress source, InetAddress destination, ByteBuffer packet);

        /** Delivers every packet unchanged. */
        Impairment NONE = (source, destination, packet) -> Fate.DELIVER;

        /**
         * Random loss, duplication and reordering, reproducible from {@code random}'s seed. Each
         * probability applies independently per packet, in the order drop, duplicate, delay.
         *
         * @param maxDelay reordered packets are delayed behind 1..maxDelay later packets
         */
        static Impairment random(Random random, double dropProbability, double duplicateProbability,
                                 double reorderProbability, int maxDelay) {
            Objects.requireNonNull(random, "random");
            return (source, destination, packet) -> {
                if (random.nextDouble() < dropProbability) {
                    return Fate.DROP;
                }
                if (random.nextDouble() < duplicateProbability) {
                    return Fate.DUPLICATE;
                }
                if (random.nextDouble() < reorderProbability) {
                    return Fate.delayBy(1 + random.nextInt(maxDelay));
                }
                return Fate.DELIVER;
            };
        }
    }

    /** What the network does with one packet. */
    public record Fate(Kind kind, int delay) {
        /** Deliver once, in order. */
        public static final Fate DELIVER = new Fate(Kind.DELIVER, 0);
        /** Lose it. */
        public static final Fate DROP = new Fate(Kind.DROP, 0);
        /** Deliver it twice, back to back. */
        public static final Fate DUPLICATE = new Fate(Kind.DUPLICATE, 0);

        public enum Kind { DELIVER, DROP, DUPLICATE, DELAY }

        public Fate {
            Objects.requireNonNull(kind, "kind");
            if (kind == Kind.DELAY ? delay < 1 : delay != 0) {
                throw new IllegalArgumentException("delay must be positive exactly for DELAY: " + delay);
            }
        }

        /** Deliver it after {@code laterPackets} later packets have entered the queue. */
        public static Fate delayBy(int laterPackets) {
            return new Fate(Kind.DELAY, laterPackets);
        }
    }

    private record InFlight(InetAddress source, InetAddress destination, ByteBuffer packet) {
    }

    private static final class Delayed {
        final InFlight packet;
        int remaining;

        Delayed(InFlight packet, int remaining) {
            this.packet = packet;
            this.remaining = remaining;
        }
    }

    /** Guard against two receivers answering each other forever inside {@link #deliverAll()}. */
    private static final int MAX_DELIVERIES_PER_CALL = 10_000_000;

    private final Map<InetAddress, Endpoint> endpoints = new HashMap<>();
    private final ArrayDeque<InFlight> queue = new ArrayDeque<>();
    private final List<Delayed> delayed = new ArrayList<>();
    private Impairment impairment = Impairment.NONE;
    private long sent;
    private long dropped;
    private long undeliverable;

    /**
     * Attaches a transport at {@code address}.
     *
     * @throws IllegalStateException if something is already bound there
     */
    public synchronized GreTransport bind(InetAddress address) {
        Objects.requireNonNull(address, "address");
        if (endpoints.containsKey(address)) {
            throw new IllegalStateException(address + " already bound");
        }
        Endpoint endpoint = new Endpoint(address);
        endpoints.put(address, endpoint);
        return endpoint;
    }

    /** Replaces the impairment applied to packets sent from now on. */
    public synchronized void setImpairment(Impairment impairment) {
        this.impairment = Objects.requireNonNull(impairment, "impairment");
    }

    /** Delivers the packet at the head of the queue; returns false if the queue was empty. */
    public boolean deliverNext() {
        InFlight next;
        Endpoint endpoint;
        synchronized (this) {
            next = queue.poll();
            if (next == null) {
                return false;
            }
            endpoint = endpoints.get(next.destination);
            if (endpoint == null || endpoint.receiver == null) {
                undeliverable++;
                return true;
            }
        }
        endpoint.receiver.onPacket(next.source, next.packet);
        return true;
    }

    /**
     * Delivers until the queue is empty, including packets sent by receivers meanwhile. Delayed
     * packets still waiting for later traffic stay delayed; see {@link #releaseDelayed()}.
     *
     * @return packets taken off the queue
     */
    public int deliverAll() {
        int count = 0;
        while (deliverNext()) {
            if (++count >= MAX_DELIVERIES_PER_CALL) {
                throw new IllegalStateException("receivers keep answering each other");
            }
        }
        return count;
    }

    /** Moves every delayed packet onto the queue now, oldest first; returns how many. */
    public synchronized int releaseDelayed() {
        int count = delayed.size();
        for (Delayed d : delayed) {
            queue.add(d.packet);
        }
        delayed.clear();
        return count;
    }

    public synchronized int queued() {
        return queue.size();
    }

    public synchronized int delayedCount() {
        return delayed.size();
    }

    /** Packets handed to the network by senders. */
    public synchronized long sent() {
        return sent;
    }

    /** Packets the impairment dropped. */
    public synchronized long dropped() {
        return dropped;
    }

    /** Packets that reached an address with no open endpoint or no receiver. */
    public synchronized long undeliverable() {
        return undeliverable;
    }

    private synchronized void transmit(InetAddress source, InetAddress destination, ByteBuffer packet) {
        sent++;
        ByteBuffer copy = ByteBuffer.allocate(packet.remaining());
        copy.put(0, packet, packet.position(), packet.remaining());
        InFlight inFlight = new InFlight(source, destination, copy);
        Fate fate = impairment.decide(source, destination, copy.asReadOnlyBuffer());
        switch (fate.kind()) {
            case DROP -> dropped++;
            case DELIVER -> enqueue(inFlight);
            case DUPLICATE -> {
                enqueue(inFlight);
                queue.add(new InFlight(source, destination, copy.duplicate()));
            }
            case DELAY -> delayed.add(new Delayed(inFlight, fate.delay()));
        }
    }

    /** Queues a packet, then any delayed packets whose wait it completes. */
    private void enqueue(InFlight inFlight) {
        queue.add(inFlight);
        for (Iterator<Delayed> it = delayed.iterator(); it.hasNext(); ) {
            Delayed d = it.next();
            if (--d.remaining == 0) {
                queue.add(d.packet);
                it.remove();
            }
        }
    }

    private synchronized void unbind(Endpoint endpoint) {
        endpoints.remove(endpoint.address, endpoint);
    }

    private final class Endpoint implements GreTransport {
        final InetAddress address;
        volatile GrePacketReceiver receiver;
        volatile boolean closed;

        Endpoint(InetAddress address) {
            this.address = address;
        }

        @Override
        public void send(InetAddress destination, ByteBuffer packet) throws IOException {
            if (closed) {
                throw new IOException("transport at " + address + " is closed");
            }
            transmit(address, Objects.requireNonNull(destination, "destination"), packet);
        }

        @Override
        public void setReceiver(GrePacketReceiver receiver) {
            this.receiver = receiver;
        }

        @Override
        public void close() {
            closed = true;
            receiver = null;
            unbind(this);
        }
    }
}
