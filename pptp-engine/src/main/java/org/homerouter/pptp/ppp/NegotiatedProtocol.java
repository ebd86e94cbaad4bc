package org.homerouter.pptp.ppp;

import java.nio.ByteBuffer;
import java.util.OptionalLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What LCP, IPCP and CCP share: each is one {@link NegotiationAutomaton} (RFC 1661 §4) fed with
 * the events of §4.1 by its owner. The administrative events (Open, Close), the lower layer's
 * (Up, Down), received packets and the timer all go straight to the automaton; a protocol adds
 * its options (through its {@link ProtocolLayer}) and whatever it times besides the Restart timer
 * (LCP's keepalive, CCP's Reset-Request) by overriding {@link #poll()} and {@link #deadline()}.
 *
 * <p>No I/O and no clock reads of its own: packets leave through the sender given to the
 * automaton, and the owner calls {@link #poll()} when {@link #deadline()} is due. Not thread-safe.
 */
public abstract class NegotiatedProtocol {
    private static final Logger log = LoggerFactory.getLogger(NegotiatedProtocol.class);

    private final String name;
    private NegotiationAutomaton automaton;

    /** @param name the protocol's name in logs: "LCP", "IPCP", "CCP" */
    protected NegotiatedProtocol(String name) {
        this.name = name;
    }

    /**
     * Hands over the automaton; a subclass calls this once from its constructor, after it can
     * build its {@link ProtocolLayer} (an inner class needs the finished subclass instance).
     */
    protected final void attach(NegotiationAutomaton automaton) {
        if (this.automaton != null) {
            throw new IllegalStateException(name + ": automaton already attached");
        }
        this.automaton = automaton;
    }

    /** The text of the peer's last Terminate-Request, if it sent one with any (RFC 1661 §5.5). */
    public final java.util.Optional<String> peerTerminateText() {
        return automaton().peerTerminateText();
    }

    protected final NegotiationAutomaton automaton() {
        return automaton;
    }

    /** See {@link NegotiationAutomaton#renegotiating()}. */
    public boolean renegotiating() {
        return automaton.renegotiating();
    }

    /** See {@link NegotiationAutomaton#onlyThePeerIsHeard()}. */
    public boolean onlyThePeerIsHeard() {
        return automaton.onlyThePeerIsHeard();
    }

    /** Administrative Open (RFC 1661 §4.1): the protocol may come up once the lower layer is. */
    public void open() {
        automaton.open();
    }

    /** Administrative Close: Terminate-Request, then stay down. */
    public void close() {
        automaton.close();
    }

    /** Administrative Close, its Terminate-Request telling the peer why (RFC 1661 §5.5). */
    public void close(String reason) {
        automaton.close(reason);
    }

    /** The lower layer can carry this protocol's packets (for NCPs: LCP opened, authentication done). */
    public void lowerLayerUp() {
        automaton.up();
    }

    /** The lower layer is gone: no Terminate exchange is possible. */
    public void lowerLayerDown() {
        automaton.down();
    }

    /** The peer Protocol-Rejected this protocol (RFC 1661 §5.7): it will not run it with us. */
    public void protocolRejected() {
        automaton.protocolRejected();
    }

    /** Processes the Information field of a received frame; a packet with an invalid Length is discarded (§5). */
    public final void receive(ByteBuffer information) {
        ControlPacketCodec.decode(information).ifPresentOrElse(this::receive,
                () -> log.debug("{}: packet with an invalid Length, discarded", name));
    }

    /** Processes a received packet. */
    public void receive(ControlPacket packet) {
        automaton.receive(packet);
    }

    /** Runs whatever timer is due. */
    public void poll() {
        automaton.poll();
    }

    /** The earliest moment {@link #poll()} has work to do, in clock nanos, if any timer runs. */
    public OptionalLong deadline() {
        return automaton.deadline();
    }

    /** The automaton's state. */
    public final AutomatonState state() {
        return automaton.state();
    }
}
