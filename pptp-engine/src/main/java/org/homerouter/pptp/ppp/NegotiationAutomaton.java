package org.homerouter.pptp.ppp;

import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import org.homerouter.pptp.Clock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The option negotiation automaton of RFC 1661 §4, shared by LCP and every NCP. It turns received
 * packets, timeouts and administrative events into the events of the RFC's table, looks the
 * transition up in {@link TransitionTable} and performs the listed actions in order. Everything
 * specific to a protocol goes through its {@link ProtocolLayer}; packets leave through a
 * {@link ControlPacketSender}.
 *
 * <p>No threads and no clock reads of its own: the Restart timer is a deadline on the injected
 * {@link Clock} that the owner checks with {@link #poll()}, typically when {@link #deadline()} is
 * due. Not thread-safe: drive it from one thread (the session's event loop). Events raised while
 * another is being processed (from a layer callback, or by a sender that loops back synchronously)
 * are queued and run afterwards, so every event runs to completion on a consistent state.
 */
public final class NegotiationAutomaton {
    private static final Logger log = LoggerFactory.getLogger(NegotiationAutomaton.class);

    private final String name;
    private final AutomatonSettings settings;
    private final Clock clock;
    private final ProtocolLayer layer;
    /** The peer's last Configure-Request we acked, and whether it has been acked again (see ProtocolLayer#reAcksARepeatedRequest). */
    private ControlPacket lastAcked;
    private boolean lastAckRepeated;
    private final ControlPacketSender sender;
    private final AutomatonObserver observer;

    private AutomatonState state = AutomatonState.INITIAL;
    /** Configure-Requests received, and whether the peer ever answered ours ({@link #onlyThePeerIsHeard}). */
    private int requestsReceived;
    private boolean peerAnswered;
    private int restartCounter;
    /** Configure-Naks sent since the last Configure-Ack sent (RFC 1661 §4.6, Max-Failure). */
    private int failureCounter;
    private int identifier;
    /** The last Configure-Request sent: replies must carry its Identifier (§5.2-5.4). */
    private ControlPacket lastRequest;
    private List<ConfigOption> lastRequestOptions = List.of();
    /**
     * Whether a Configure-Ack, -Nak or -Reject for {@link #lastRequest} was taken since it was last
     * sent (resends included). A resend keeps its Identifier (§5.1), so a peer that got both
     * copies answers twice with answers that match: the second, taken too, fired RCA again, and in
     * Opened that is tld,scr (§4.1): the link renegotiated, or CCP went down under a session that
     * had just come up. pppd's fsm.c drops it the same way (seen_ack).
     */
    private boolean requestAnswered;
    private boolean timerRunning;
    private long timerDeadline;

    // Context of the event being processed.
    private AutomatonState eventFrom;
    private AutomatonEvent event;
    private ControlPacket received;
    /** The text of the last Terminate-Request the peer sent (RFC 1661 §5.5 leaves its data to the sender). */
    private String peerTerminateText;
    /** The Data of our Terminate-Requests, resends included: why we close ({@link #close(String)}). */
    private byte[] terminateData = new byte[0];
    private ConfigureReply reply;

    private final ArrayDeque<Runnable> pending = new ArrayDeque<>();
    private boolean dispatching;

    /**
     * @param name protocol name for logs, e.g. "LCP"
     * @param initialIdentifier Identifier of the first request minus one (0..255)
     */
    public NegotiationAutomaton(String name, AutomatonSettings settings, Clock clock, ProtocolLayer layer,
                                ControlPacketSender sender, AutomatonObserver observer, int initialIdentifier) {
        this.name = name;
        this.settings = settings;
        this.clock = clock;
        this.layer = layer;
        this.sender = sender;
        this.observer = observer;
        this.identifier = initialIdentifier & 0xFF;
    }

    /** An automaton without observer whose first Identifier is 1. */
    public NegotiationAutomaton(String name, AutomatonSettings settings, Clock clock, ProtocolLayer layer,
                                ControlPacketSender sender) {
        this(name, settings, clock, layer, sender, AutomatonObserver.NONE, 0);
    }

    /**
     * The peer's Configure-Requests reach us, more than once, and nothing it sent ever answered one of
     * ours: our packets do not reach it (one-way loss on the path; for PPTP, GRE dropped towards
     * the peer only).
     */
    public boolean onlyThePeerIsHeard() {
        return requestsReceived >= 2 && !peerAnswered;
    }

    /**
     * Called from inside {@code thisLayerDown}: whether the layer goes down to negotiate again (a
     * Configure-Request, -Ack or -Nak received in Opened, RFC 1661 §4.3) rather than to end (Close,
     * a Terminate-Request, the lower layer going down). A Configure-Request's shared actions run
     * before it is judged, with the state still Opened and no event yet (see receiveConfigureRequest);
     * every other event has set the next state by then.
     */
    public boolean renegotiating() {
        return switch (state) {
            case REQ_SENT, ACK_RCVD, ACK_SENT -> true;
            case OPENED -> event == null;
            default -> false;
        };
    }

    /** The current state. */
    public AutomatonState state() {
        return state;
    }

    /** The Restart counter (RFC 1661 §4.6), for diagnostics. */
    public int restartCounter() {
        return restartCounter;
    }

    /**
     * Sets the Restart counter. Only for the table walk test: Ack-Rcvd is always entered with a
     * freshly initialised counter, so its TO- cell cannot be reached through events alone.
     */
    void overrideRestartCounter(int value) {
        restartCounter = value;
    }

    /** The settings in force. */
    public AutomatonSettings settings() {
        return settings;
    }

    /**
     * A fresh Identifier for a request this protocol originates. Shared by Configure-Request,
     * Terminate-Request, Code-Reject and the protocol's own requests (LCP Echo-Request,
     * Protocol-Reject), so that consecutive requests never repeat an Identifier (§5).
     */
    public int nextIdentifier() {
        identifier = (identifier + 1) & 0xFF;
        return identifier;
    }

    /** The Up event: the lower layer can carry packets. */
    public void up() {
        submit(() -> fire(AutomatonEvent.UP));
    }

    /** The Down event: the lower layer can no longer carry packets. */
    public void down() {
        submit(() -> fire(AutomatonEvent.DOWN));
    }

    /** The Open event: the layer may come up. */
    public void open() {
        submit(() -> fire(AutomatonEvent.OPEN));
    }

    /** The Close event: the layer must go down and stay down until the next Open. */
    public void close() {
        close("");
    }

    /**
     * The Close event, with why: the Terminate-Request that follows carries {@code reason} as its
     * Data (RFC 1661 §5.5; see {@link TerminateText}). A Close while already terminating keeps the
     * words of the Terminate-Request already sent, as its resends must.
     */
    public void close(String reason) {
        submit(() -> {
            if (state != AutomatonState.CLOSING && state != AutomatonState.STOPPING) {
                terminateData = TerminateText.encode(reason);
            }
            fire(AutomatonEvent.CLOSE);
        });
    }

    /**
     * The peer Protocol-Rejected this protocol (an LCP Protocol-Reject naming it, RFC 1661 §5.7):
     * the RXJ- event, since the layer cannot work without the peer's support.
     */
    public void protocolRejected() {
        submit(() -> fire(AutomatonEvent.RXJ_MINUS));
    }

    /** Processes a packet of this protocol from the peer. */
    public void receive(ControlPacket packet) {
        submit(() -> handle(packet));
    }

    /** When the Restart timer expires, if it is running. */
    public OptionalLong deadline() {
        return timerRunning ? OptionalLong.of(timerDeadline) : OptionalLong.empty();
    }

    /** Raises TO+ or TO- if the Restart timer has expired by the clock's current time. */
    public void poll() {
        submit(() -> {
            if (timerRunning && clock.nanos() - timerDeadline >= 0) {
                timerRunning = false;
                // RFC 1661 §4.3: TO+ while the restart counter is above zero, TO- once it is not.
                fire(restartCounter > 0 ? AutomatonEvent.TO_PLUS : AutomatonEvent.TO_MINUS);
            }
        });
    }

    private void submit(Runnable work) {
        pending.add(work);
        if (dispatching) {
            return;
        }
        dispatching = true;
        try {
            Runnable next;
            while ((next = pending.poll()) != null) {
                next.run();
            }
        } finally {
            dispatching = false;
            pending.clear();
        }
    }

    /** The text of the peer's last Terminate-Request, if it sent one with any. */
    public java.util.Optional<String> peerTerminateText() {
        return java.util.Optional.ofNullable(peerTerminateText).filter(t -> !t.isEmpty());
    }

    private void handle(ControlPacket packet) {
        if (state == AutomatonState.INITIAL || state == AutomatonState.STARTING) {
            // Every receive event is illegal ("-") while the lower layer is down (§4.1).
            log.debug("{}: {} received in {}, discarded", name, packet.withData(), state.rfcName());
            return;
        }
        received = packet;
        switch (packet.code()) {
            case ControlPacket.CONFIGURE_REQUEST -> requestsReceived++;
            case ControlPacket.CONFIGURE_ACK, ControlPacket.CONFIGURE_NAK, ControlPacket.CONFIGURE_REJECT,
                 ControlPacket.TERMINATE_ACK, ControlPacket.CODE_REJECT -> peerAnswered = true;
            default -> { }
        }
        try {
            switch (packet.code()) {
                case ControlPacket.CONFIGURE_REQUEST -> receiveConfigureRequest(packet);
                case ControlPacket.CONFIGURE_ACK -> receiveConfigureAck(packet);
                case ControlPacket.CONFIGURE_NAK, ControlPacket.CONFIGURE_REJECT -> receiveConfigureNakOrReject(packet);
                case ControlPacket.TERMINATE_REQUEST -> {
                    // pppd puts why there ("MPPE required but peer negotiation failed", "User request").
                    peerTerminateText = org.homerouter.pptp.Printable.of(
                            new String(packet.data(), java.nio.charset.StandardCharsets.UTF_8)).strip();
                    fire(AutomatonEvent.RTR);
                }
                case ControlPacket.TERMINATE_ACK -> fire(AutomatonEvent.RTA);
                case ControlPacket.CODE_REJECT -> receiveCodeReject(packet);
                default -> receiveExtension(packet);
            }
        } finally {
            received = null;
            reply = null;
        }
    }

    private void receiveConfigureRequest(ControlPacket packet) {
        if (state == AutomatonState.OPENED && lastAcked != null && !lastAckRepeated && layer.reAcksARepeatedRequest()
                && packet.identifier() == lastAcked.identifier() && Arrays.equals(packet.data(), lastAcked.data())) {
            log.info("{}: Configure-Request id={} repeated unchanged: our Configure-Ack was lost; acked again", name,
                    packet.identifier());
            lastAckRepeated = true;
            sender.send(new ControlPacket(ControlPacket.CONFIGURE_ACK, packet.identifier(), packet.data()));
            return;
        }
        Optional<List<ConfigOption>> options = ConfigOptionCodec.decode(packet.data());
        if (options.isEmpty()) {
            log.debug("{}: Configure-Request id={} with a malformed option list, discarded", name, packet.identifier());
            return;
        }
        Transition plus = TransitionTable.lookup(state, AutomatonEvent.RCR_PLUS);
        Transition minus = TransitionTable.lookup(state, AutomatonEvent.RCR_MINUS);
        if (plus.equals(minus)) {
            // Closed, Closing, Stopping: the request is answered the same way whatever it holds,
            // so it is not judged (judging may have side effects such as allocating an address).
            fire(AutomatonEvent.RCR_PLUS);
            return;
        }
        // The actions both outcomes share come first. In Opened that is tld,scr: RFC 1661 §4.3
        // requires renegotiation, and the layer must be down and our own options reset before the
        // peer's request is judged against them (pppd's fsm_rconfreq does the same).
        int common = 0;
        while (common < plus.actions().size() && common < minus.actions().size()
                && plus.actions().get(common) == minus.actions().get(common)) {
            common++;
        }
        AutomatonState from = state;
        eventFrom = from;
        event = null;
        perform(plus.actions(), 0, common, plus);
        reply = layer.judgeConfigureRequest(options.get(), failureCounter >= settings.maxFailure());
        AutomatonEvent judged = reply.acceptable() ? AutomatonEvent.RCR_PLUS : AutomatonEvent.RCR_MINUS;
        Transition t = reply.acceptable() ? plus : minus;
        event = judged;
        state = t.next();
        perform(t.actions(), common, t.actions().size(), t);
        finish(from, judged, t);
    }

    private void receiveConfigureAck(ControlPacket packet) {
        // RFC 1661 §5.2: the Identifier must match the last Configure-Request sent and the options
        // must match it exactly; anything else is silently discarded.
        if (lastRequest == null || packet.identifier() != lastRequest.identifier()
                || !Arrays.equals(packet.data(), lastRequest.data())) {
            log.debug("{}: Configure-Ack id={} does not match our last request, discarded", name, packet.identifier());
            return;
        }
        if (requestAnswered) {
            log.debug("{}: a second answer (Configure-Ack id={}) to one Configure-Request, discarded", name,
                    packet.identifier());
            return;
        }
        requestAnswered = true;
        if (negotiating()) {
            layer.configureAcked(lastRequestOptions);
        }
        fire(AutomatonEvent.RCA);
    }

    private void receiveConfigureNakOrReject(ControlPacket packet) {
        boolean nak = packet.code() == ControlPacket.CONFIGURE_NAK;
        // RFC 1661 §5.3, §5.4: the Identifier must match the last Configure-Request sent.
        if (lastRequest == null || packet.identifier() != lastRequest.identifier()) {
            log.debug("{}: Configure-{} id={} does not match our last request, discarded",
                    name, nak ? "Nak" : "Reject", packet.identifier());
            return;
        }
        if (requestAnswered) {
            log.debug("{}: a second answer (Configure-{} id={}) to one Configure-Request, discarded", name,
                    nak ? "Nak" : "Reject", packet.identifier());
            return;
        }
        Optional<List<ConfigOption>> options = ConfigOptionCodec.decode(packet.data());
        if (options.isEmpty()) {
            log.debug("{}: Configure-{} with a malformed option list, discarded", name, nak ? "Nak" : "Reject");
            return;
        }
        // §5.4: a Configure-Reject may only name options of the last request, unmodified.
        if (!nak && !lastRequestOptions.containsAll(options.get())) {
            log.debug("{}: Configure-Reject names options we did not request, discarded", name);
            return;
        }
        if (negotiating()) {
            boolean valid = nak ? layer.configureNaked(options.get()) : layer.configureRejected(options.get());
            if (!valid) {
                log.debug("{}: Configure-{} not usable, discarded", name, nak ? "Nak" : "Reject");
                return;
            }
        }
        requestAnswered = true;
        fire(AutomatonEvent.RCN);
    }

    private void receiveCodeReject(ControlPacket packet) {
        if (packet.dataLength() == 0) {
            log.debug("{}: empty Code-Reject, discarded", name);
            return;
        }
        // §5.6: the Rejected-Packet starts with the rejected packet's Code.
        int rejectedCode = packet.dataOctet(0);
        log.debug("{}: peer rejected code {}", name, rejectedCode);
        fire(layer.isCatastrophicCodeReject(rejectedCode) ? AutomatonEvent.RXJ_MINUS : AutomatonEvent.RXJ_PLUS);
    }

    private void receiveExtension(ControlPacket packet) {
        switch (layer.extensionPacket(packet, state)) {
            case RXR -> fire(AutomatonEvent.RXR);
            case RXJ_PLUS -> fire(AutomatonEvent.RXJ_PLUS);
            case RXJ_MINUS -> fire(AutomatonEvent.RXJ_MINUS);
            case UNKNOWN -> fire(AutomatonEvent.RUC);
            case CONSUMED -> {
            }
        }
    }

    private boolean negotiating() {
        return state == AutomatonState.REQ_SENT || state == AutomatonState.ACK_RCVD
                || state == AutomatonState.ACK_SENT || state == AutomatonState.OPENED;
    }

    private void fire(AutomatonEvent e) {
        Transition t = TransitionTable.lookup(state, e);
        if (t == null) {
            log.debug("{}: {} is illegal in {}, ignored", name, e.rfcName(), state.rfcName());
            return;
        }
        AutomatonState from = state;
        eventFrom = from;
        event = e;
        state = t.next();
        perform(t.actions(), 0, t.actions().size(), t);
        finish(from, e, t);
        if (e == AutomatonEvent.OPEN && t.restartFootnote() && settings.restartOnOpen()) {
            // RFC 1661 §4.3, Open: with the restart option, an Open while already open or
            // terminating renegotiates through an orderly Down then Up.
            fire(AutomatonEvent.DOWN);
            fire(AutomatonEvent.UP);
        }
    }

    private void finish(AutomatonState from, AutomatonEvent e, Transition t) {
        if (!state.restartTimerRuns()) {
            timerRunning = false;
        }
        log.debug("{}: {} in {} -> {} {}", name, e.rfcName(), from.rfcName(), t.actions(), state.rfcName());
        observer.transition(from, e, state);
    }

    private void perform(List<AutomatonAction> actions, int fromIndex, int toIndex, Transition t) {
        for (int i = fromIndex; i < toIndex; i++) {
            AutomatonAction action = actions.get(i);
            if (action == AutomatonAction.TLF && t.passiveFootnote() && settings.passive()) {
                // Passive option (§4.2, Stopped): wait for the peer instead of finishing.
                continue;
            }
            observer.action(action);
            switch (action) {
                case TLU -> {
                    peerTerminateText = null; // an earlier link's words are not this one's end
                    terminateData = new byte[0]; // nor are ours
                    layer.thisLayerUp();
                }
                case TLD -> layer.thisLayerDown();
                case TLS -> layer.thisLayerStarted();
                case TLF -> layer.thisLayerFinished();
                case IRC -> {
                    // §4.4: Max-Terminate before a Terminate-Request, Max-Configure otherwise.
                    boolean terminating = i + 1 < actions.size() && actions.get(i + 1) == AutomatonAction.STR;
                    restartCounter = terminating ? settings.maxTerminate() : settings.maxConfigure();
                }
                case ZRC -> {
                    // §4.4: zero the counter but run the timer once more, so that the peer gets
                    // one timeout period to see our Terminate-Ack before we finish.
                    restartCounter = 0;
                    startTimer();
                }
                case SCR -> sendConfigureRequest();
                case SCA -> {
                    failureCounter = 0;
                    // §5.2: the Ack echoes the request's options unchanged, in order.
                    sender.send(new ControlPacket(ControlPacket.CONFIGURE_ACK, received.identifier(), received.data()));
                    lastAcked = received;
                    lastAckRepeated = false;
                }
                case SCN -> {
                    if (reply.code() == ControlPacket.CONFIGURE_NAK) {
                        failureCounter++;
                    }
                    sender.send(new ControlPacket(reply.code(), received.identifier(), ConfigOptionCodec.encode(reply.options())));
                }
                case STR -> {
                    restartCounter--;
                    sender.send(new ControlPacket(ControlPacket.TERMINATE_REQUEST, nextIdentifier(), terminateData));
                    startTimer();
                }
                case STA -> sender.send(new ControlPacket(ControlPacket.TERMINATE_ACK,
                        received != null ? received.identifier() : nextIdentifier()));
                case SCJ -> sendCodeReject();
                case SER -> layer.echoReply(received).ifPresent(sender::send);
            }
        }
    }

    private void sendConfigureRequest() {
        if (event == AutomatonEvent.TO_PLUS && lastRequest != null) {
            // A retransmission: same Identifier and options (§5.1 allows keeping the Identifier).
            restartCounter--;
            requestAnswered = false;
            sender.send(lastRequest);
            startTimer();
            return;
        }
        if (eventFrom != AutomatonState.REQ_SENT && eventFrom != AutomatonState.ACK_RCVD
                && eventFrom != AutomatonState.ACK_SENT) {
            // A new negotiation: start from the configured options with a clean Nak count.
            layer.resetOptions();
            failureCounter = 0;
        }
        lastRequestOptions = List.copyOf(layer.configureRequest());
        lastRequest = new ControlPacket(ControlPacket.CONFIGURE_REQUEST, nextIdentifier(),
                ConfigOptionCodec.encode(lastRequestOptions));
        restartCounter--;
        requestAnswered = false;
        sender.send(lastRequest);
        startTimer();
    }

    private void sendCodeReject() {
        // §5.6: the rejected packet is copied, truncated to the peer's MRU, under a new Identifier.
        byte[] rejected = ControlPacketCodec.encode(received);
        int room = Math.max(0, layer.maxPacketLength() - ControlPacket.HEADER_LENGTH);
        if (rejected.length > room) {
            rejected = Arrays.copyOf(rejected, room);
        }
        sender.send(new ControlPacket(ControlPacket.CODE_REJECT, nextIdentifier(), rejected));
    }

    private void startTimer() {
        timerRunning = true;
        timerDeadline = clock.nanos() + settings.restartTimeout().toNanos();
    }

    @Override
    public String toString() {
        return name + "[" + state.rfcName() + "]";
    }
}
