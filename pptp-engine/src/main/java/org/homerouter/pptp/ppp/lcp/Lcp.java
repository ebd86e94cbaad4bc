package org.homerouter.pptp.ppp.lcp;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.random.RandomGenerator;
import org.homerouter.pptp.Clock;
import org.homerouter.pptp.ppp.AutomatonObserver;
import org.homerouter.pptp.ppp.AutomatonState;
import org.homerouter.pptp.ppp.ConfigOption;
import org.homerouter.pptp.ppp.ConfigureReply;
import org.homerouter.pptp.ppp.ControlPacket;
import org.homerouter.pptp.ppp.ControlPacketSender;
import org.homerouter.pptp.ppp.ExtensionEvent;
import org.homerouter.pptp.ppp.NegotiatedProtocol;
import org.homerouter.pptp.ppp.NegotiationAutomaton;
import org.homerouter.pptp.ppp.OptionRegistry;
import org.homerouter.pptp.ppp.PppProtocol;
import org.homerouter.pptp.ppp.ProtocolLayer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Link Control Protocol (RFC 1661, protocol 0xC021) of one PPP link: the negotiation automaton
 * with the LCP options (MRU, ACCM, Authentication-Protocol, Magic-Number, PFC, ACFC; every other
 * option, notably Windows' Callback, MRRU and Endpoint Discriminator, is rejected), plus the
 * LCP-only codes: Protocol-Reject, Echo-Request/Reply keepalive, Discard-Request, and the
 * informational Identification and Time-Remaining.
 *
 * <p>Like the automaton it does no I/O and reads no clock by itself: packets go out through the
 * sender, and the owner calls {@link #poll()} when {@link #deadline()} is due. Not thread-safe.
 */
public final class Lcp extends NegotiatedProtocol {
    private static final Logger log = LoggerFactory.getLogger(Lcp.class);
    /** The server's links (which callers can end at will) and the dial-out's, each on a budget of its own. */
    private static final org.homerouter.pptp.LogLimit FAILED_LOGGED = new org.homerouter.pptp.LogLimit();
    private static final org.homerouter.pptp.LogLimit DIAL_OUT_FAILED_LOGGED = new org.homerouter.pptp.LogLimit();

    /** "LCP", after the session's name where it has one: what its log lines start with. */
    private final String logName;
    private final LcpSettings settings;
    private final Clock clock;
    private final ControlPacketSender sender;
    private final LcpListener listener;
    private final OptionRegistry options = new OptionRegistry();
    private final MruOption mru;
    private final AuthenticationProtocolOption authentication;
    private final MagicNumberOption magic;
    private final ProtocolFieldCompressionOption pfc;
    private final AddressControlFieldCompressionOption acfc;
    private final EchoKeepalive keepalive;
    private final PathProbe pathProbe;
    private LinkConfiguration configuration;
    private boolean failedInCallback;

    /**
     * @param random source of Magic-Numbers
     * @param sender where LCP packets go (the owner frames them, always uncompressed for LCP)
     */
    public Lcp(LcpSettings settings, Clock clock, RandomGenerator random, ControlPacketSender sender,
               LcpListener listener) {
        this("", settings, clock, random, sender, listener, AutomatonObserver.NONE);
    }

    /**
     * As the other constructor, for one session's link, with a trace of the automaton's work.
     *
     * @param session the session's name that starts LCP's log lines ("call 4711 (192.0.2.7)"): a
     *     link's failure or its path's verdict, with many sessions up, is no use without it
     */
    public Lcp(String session, LcpSettings settings, Clock clock, RandomGenerator random, ControlPacketSender sender,
               LcpListener listener, AutomatonObserver observer) {
        super(logName(session));
        this.logName = logName(session);
        this.settings = settings;
        this.clock = clock;
        this.sender = sender;
        this.listener = listener;
        this.mru = new MruOption(settings.mru(), settings.minimumPeerMru());
        this.authentication = new AuthenticationProtocolOption(settings.authenticatePeerWith(),
                settings.authenticateSelfWith(), this::fail);
        this.magic = new MagicNumberOption(random, settings.loopLimit(), this::fail);
        this.pfc = new ProtocolFieldCompressionOption(settings.requestPfc());
        this.acfc = new AddressControlFieldCompressionOption(settings.requestAcfc());
        // Registration order is the order of our Configure-Request, the usual ascending types.
        options.register(mru).register(new AccmOption()).register(authentication).register(magic)
                .register(pfc).register(acfc);
        this.keepalive = new EchoKeepalive(settings.echoInterval(), settings.echoFailures());
        this.pathProbe = new PathProbe(settings.pathProbe());
        attach(new NegotiationAutomaton(logName, settings.automaton(), clock, new Layer(), sender,
                observer, random.nextInt(256)));
    }

    private static String logName(String session) {
        return session.isEmpty() ? "LCP" : session + ": LCP";
    }

    /** Runs whatever timer is due: the Restart timer, the next keepalive echo, the path probe's round. */
    @Override
    public void poll() {
        super.poll();
        long now = clock.nanos();
        pollPathProbe(now);
        if (outputHeld && now - outputHeldSince < MAX_POSTPONED.toNanos()) {
            keepalive.postponeIfDue(now);
        }
        if (!keepalive.isDue(now)) {
            return;
        }
        if (keepalive.exhausted()) {
            keepalive.stop();
            log.info("{}: no reply to {} echo requests, link is dead", logName, settings.echoFailures());
            listener.linkFailed(LinkFailure.KEEPALIVE_TIMEOUT);
            // The peer is unreachable: the lower layer is as good as down (tld, no Terminate
            // exchange that could not complete), and we no longer want it (tlf: hang up).
            automaton().down();
            automaton().close();
            return;
        }
        keepalive.requestSent();
        sender.send(new ControlPacket(LcpCode.ECHO_REQUEST, automaton().nextIdentifier(), u32(magic.localMagic())));
    }

    /** Whether our frames are held back from the peer ({@link #outputHeld(boolean)}), and since when. */
    private boolean outputHeld;
    private long outputHeldSince;
    /**
     * How long a hold postpones the keepalive at most: a newer call holds ours back until it logs
     * in, at most a minute (its login deadline); calls placed one after another (a carrier's NAT
     * sharing the address and call ID) must not keep a dead session, its address and its
     * account's place, for ever. Past it the requests count again, sent or not.
     */
    static final java.time.Duration MAX_POSTPONED = java.time.Duration.ofSeconds(75);

    /**
     * Whether our frames are held back from the peer now, told before each {@link #poll}: while
     * they are, no keepalive request goes unanswered for want of being sent (a live client that
     * sends nothing of its own while a stranger's call with its call ID holds ours back must not be
     * declared dead for it). The link's other timers run as ever.
     */
    public void outputHeld(boolean held) {
        if (held && !outputHeld) {
            outputHeldSince = clock.nanos();
        }
        outputHeld = held;
    }

    /**
     * How many times so far the peer has shown it receives our frames (in PPTP, its GRE
     * acknowledgement moving on), told before each {@link #poll}: any such sign after an
     * Echo-Request answers it for the keepalive (see {@link EchoKeepalive#receiptsHeard}).
     */
    public void peerReceiptsSoFar(long count) {
        keepalive.receiptsHeard(count, clock.nanos());
    }

    /**
     * Whether the peer still answers, found out now: an Echo-Request at once and then every
     * {@code interval}; the link fails as a keepalive timeout once the configured number of them
     * went unanswered (RFC 1661 §5.8). Only on an open link; false otherwise.
     */
    public boolean checkPeerNow(java.time.Duration interval) {
        if (state() != AutomatonState.OPENED) {
            return false;
        }
        keepalive.hurry(clock.nanos(), interval.toNanos());
        return true;
    }

    @Override
    public OptionalLong deadline() {
        return Clock.earliest(Clock.earliest(super.deadline(), keepalive.deadline()), pathProbe.deadline());
    }

    /**
     * Starts looking for the largest frame the path carries both ways, up to the tunnel's MTU (the
     * smaller MRU), with padded Echo-Requests; the verdict goes to
     * {@link LcpListener#largeFramesLost} if large frames are lost. Only while Opened; a no-op if the
     * settings disable the probe.
     */
    public void probePath() {
        if (state() != AutomatonState.OPENED || configuration == null) {
            return;
        }
        int largest = Math.min(configuration.transmitMru(), configuration.receiveMru());
        pathProbe.start(LcpSettings.MINIMUM_MRU, largest, clock.nanos());
        pollPathProbe(clock.nanos());
    }

    private void pollPathProbe(long now) {
        if (!pathProbe.running()) {
            return;
        }
        PathProbe.Round round = pathProbe.poll(now, automaton()::nextIdentifier);
        if (round != null) {
            byte[] padded = new byte[round.probeLength() - ControlPacket.HEADER_LENGTH];
            System.arraycopy(u32(magic.localMagic()), 0, padded, 0, 4);
            sender.send(new ControlPacket(LcpCode.ECHO_REQUEST, round.probeIdentifier(), padded));
            sender.send(new ControlPacket(LcpCode.ECHO_REQUEST, round.controlIdentifier(), u32(magic.localMagic())));
            return;
        }
        if (pathProbe.running()) {
            return;
        }
        pathProbe.verdict().ifPresentOrElse(v -> {
            if (v.fullSizePasses()) {
                log.info("{}: the path carries {}-octet frames both ways", logName, v.tried());
            } else {
                log.info("{}: {}-octet frames are lost on the way; the largest that crossed: {}", logName, v.tried(),
                        v.largestDelivered().isPresent() ? v.largestDelivered().getAsInt() + " octets" : "none above "
                                + LcpSettings.MINIMUM_MRU);
                listener.largeFramesLost(v.largestDelivered(), v.tried());
            }
        }, () -> log.debug("{}: path probe inconclusive (no echo came back)", logName));
    }

    /**
     * The Authentication-Protocol option data the peer last asked for in a Configure-Nak of ours,
     * empty if it named none (see {@link AuthenticationProtocolOption#peerAskedFor()}).
     */
    public Optional<byte[]> authenticationAskedFor() {
        return authentication.peerAskedFor();
    }

    /**
     * The Authentication-Protocol option data the peer last asked us to log in with that we Nak'd
     * (see {@link AuthenticationProtocolOption#peerWanted()}), empty if none.
     */
    public Optional<byte[]> authenticationPeerWanted() {
        return authentication.peerWanted();
    }

    /** What was agreed, while LCP is Opened. */
    public Optional<LinkConfiguration> configuration() {
        return Optional.ofNullable(configuration);
    }

    /**
     * Protocol-Rejects a received frame of a protocol we do not run (RFC 1661 §5.7): the data is
     * the rejected protocol followed by the frame's Information field, truncated to the peer's
     * MRU. Only allowed while LCP is Opened.
     *
     * @param information the rejected frame's Information field; its position is not moved
     * @return whether the Protocol-Reject was sent
     */
    public boolean sendProtocolReject(int protocol, ByteBuffer information) {
        if (state() != AutomatonState.OPENED) {
            return false;
        }
        int room = mru.transmitMru() - ControlPacket.HEADER_LENGTH - 2;
        int copied = Math.max(0, Math.min(information.remaining(), room));
        byte[] data = new byte[2 + copied];
        data[0] = (byte) (protocol >>> 8);
        data[1] = (byte) protocol;
        information.get(information.position(), data, 2, copied);
        sender.send(new ControlPacket(LcpCode.PROTOCOL_REJECT, automaton().nextIdentifier(), data));
        return true;
    }

    private void fail(LinkFailure failure) {
        // Budgeted: a client can end call after call this way within a round trip each (refuse
        // every login method, echo the magic number back), on one control connection.
        String more = (settings.authenticatePeerWith().isEmpty() ? DIAL_OUT_FAILED_LOGGED : FAILED_LOGGED).admit();
        if (more != null) {
            log.info("{}: link failed: {}{}", logName, failure, more);
        }
        failedInCallback = true;
        listener.linkFailed(failure);
        // Told the peer (RFC 1661 §5.5); pppd says "Loopback detected" for a loop too (lcp.c).
        automaton().close(switch (failure) {
            case AUTHENTICATION_REFUSED -> "No authentication method acceptable to both ends";
            case LOOPED_BACK -> "Loopback detected";
            case KEEPALIVE_TIMEOUT -> "No answer to LCP echo requests";
        });
    }

    private static byte[] u32(int v) {
        return new byte[] {(byte) (v >>> 24), (byte) (v >>> 16), (byte) (v >>> 8), (byte) v};
    }

    /** The LCP side of the automaton. */
    private final class Layer implements ProtocolLayer {
        @Override
        public void resetOptions() {
            options.reset();
        }

        @Override
        public List<ConfigOption> configureRequest() {
            return options.buildRequest();
        }

        @Override
        public ConfigureReply judgeConfigureRequest(List<ConfigOption> requested, boolean rejectInsteadOfNak) {
            return options.judge(requested, rejectInsteadOfNak);
        }

        @Override
        public void configureAcked(List<ConfigOption> acked) {
            options.acked(acked);
        }

        @Override
        public boolean configureNaked(List<ConfigOption> suggested) {
            failedInCallback = false;
            // A Nak that ends the negotiation (loop found, no authentication left) is not acted on:
            // the Close raised by fail() follows instead of one more Configure-Request.
            return options.naked(suggested) && !failedInCallback;
        }

        @Override
        public boolean configureRejected(List<ConfigOption> rejected) {
            failedInCallback = false;
            options.rejected(rejected);
            return !failedInCallback;
        }

        @Override
        public void thisLayerUp() {
            configuration = new LinkConfiguration(mru.receiveMru(), mru.transmitMru(),
                    authentication.peerAuthentication(), authentication.selfAuthentication(),
                    magic.localMagic(), magic.peerMagic(),
                    pfc.receiveCompressed(), pfc.transmitCompressed(),
                    acfc.receiveCompressed(), acfc.transmitCompressed());
            log.debug("{} up: {}", logName, configuration);
            keepalive.start(clock.nanos());
            listener.linkUp(configuration);
        }

        @Override
        public void thisLayerDown() {
            keepalive.stop();
            pathProbe.stop();
            configuration = null;
            listener.linkDown();
        }

        @Override
        public void thisLayerStarted() {
            listener.lowerLayerNeeded();
        }

        @Override
        public void thisLayerFinished() {
            keepalive.stop();
            pathProbe.stop();
            listener.lowerLayerFinished();
        }

        @Override
        public boolean isCatastrophicCodeReject(int rejectedCode) {
            if (rejectedCode == LcpCode.ECHO_REQUEST) {
                // The peer cannot echo: keepalive would kill a healthy link, so stop it.
                keepalive.stop();
            }
            return ProtocolLayer.super.isCatastrophicCodeReject(rejectedCode);
        }

        @Override
        public ExtensionEvent extensionPacket(ControlPacket packet, AutomatonState state) {
            switch (packet.code()) {
                case LcpCode.PROTOCOL_REJECT -> {
                    // §5.7: only meaningful in Opened, silently discarded elsewhere.
                    if (state != AutomatonState.OPENED || packet.dataLength() < 2) {
                        return ExtensionEvent.CONSUMED;
                    }
                    int protocol = packet.dataOctet(0) << 8 | packet.dataOctet(1);
                    // Debug only: LCP opens before the login, and a peer may send these at line rate.
                    log.debug("{}: peer rejected protocol 0x{}", logName, Integer.toHexString(protocol));
                    if (protocol == PppProtocol.LCP) {
                        return ExtensionEvent.RXJ_MINUS;
                    }
                    listener.protocolRejected(protocol);
                    return ExtensionEvent.RXJ_PLUS;
                }
                case LcpCode.ECHO_REQUEST, LcpCode.DISCARD_REQUEST -> {
                    // §5.8, §5.9: a Magic-Number field is mandatory; without it the packet is invalid.
                    return packet.dataLength() < 4 ? ExtensionEvent.CONSUMED : ExtensionEvent.RXR;
                }
                case LcpCode.ECHO_REPLY -> {
                    if (packet.dataLength() < 4) {
                        return ExtensionEvent.CONSUMED;
                    }
                    int replyMagic = packet.dataOctet(0) << 24 | packet.dataOctet(1) << 16
                            | packet.dataOctet(2) << 8 | packet.dataOctet(3);
                    if (magic.localMagic() != 0 && replyMagic == magic.localMagic()) {
                        // Our own request came back: a looped link is no proof of a live peer.
                        log.debug("{}: Echo-Reply carries our own magic number, ignored", logName);
                    } else if (state == AutomatonState.OPENED) {
                        long now = clock.nanos();
                        keepalive.replyReceived(now);
                        if (pathProbe.replied(packet.identifier(), now)) {
                            pollPathProbe(now);
                        }
                    }
                    return ExtensionEvent.RXR;
                }
                case LcpCode.IDENTIFICATION, LcpCode.TIME_REMAINING -> {
                    // RFC 1570 §2.1, §2.2: informational, never answered. Windows sends its
                    // RAS version this way right after LCP opens.
                    log.debug("{}: peer sent code {} ({} octets)", logName, packet.code(), packet.dataLength());
                    return ExtensionEvent.CONSUMED;
                }
                default -> {
                    return ExtensionEvent.UNKNOWN;
                }
            }
        }

        @Override
        public Optional<ControlPacket> echoReply(ControlPacket request) {
            if (request.code() != LcpCode.ECHO_REQUEST) {
                return Optional.empty();
            }
            // §5.8: same Identifier, our own Magic-Number (0 if not negotiated), the data copied;
            // the whole packet within the peer's MRU.
            byte[] data = request.data();
            byte[] own = u32(magic.localMagic());
            System.arraycopy(own, 0, data, 0, 4);
            int room = mru.transmitMru() - ControlPacket.HEADER_LENGTH;
            if (data.length > room) {
                data = Arrays.copyOf(data, room);
            }
            return Optional.of(new ControlPacket(LcpCode.ECHO_REPLY, request.identifier(), data));
        }

        @Override
        public int maxPacketLength() {
            return mru.transmitMru();
        }
    }
}
