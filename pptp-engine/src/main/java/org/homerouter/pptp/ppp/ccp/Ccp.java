package org.homerouter.pptp.ppp.ccp;

import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

import org.homerouter.pptp.Clock;
import org.homerouter.pptp.mppe.MppePolicy;
import org.homerouter.pptp.ppp.AutomatonSettings;
import org.homerouter.pptp.ppp.AutomatonState;
import org.homerouter.pptp.ppp.ConfigOption;
import org.homerouter.pptp.ppp.ConfigureReply;
import org.homerouter.pptp.ppp.ControlPacket;
import org.homerouter.pptp.ppp.ControlPacketSender;
import org.homerouter.pptp.ppp.ExtensionEvent;
import org.homerouter.pptp.ppp.NegotiatedProtocol;
import org.homerouter.pptp.ppp.NegotiationAutomaton;
import org.homerouter.pptp.ppp.ProtocolLayer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Compression Control Protocol (RFC 1962, protocol 0x80FD) negotiating MPPE (RFC 3078 §2) and
 * nothing else, on the generic RFC 1661 automaton. Every compression option is rejected; MPPE is
 * negotiated so that both directions end with the same strength and mode, which the listener
 * receives as a {@link CcpResult}, or with a {@link CcpFailure} (package-private
 * MppeOptionNegotiator has the rules and their sources). The Reset-Request/Reset-Ack exchange
 * (codes 14 and 15) keeps a stateful MPPE link in sync: a Reset-Request from the peer is answered
 * with a Reset-Ack carrying its Identifier and reported ({@link CcpListener#peerRequestedReset}),
 * and {@link #requestReset()} asks the peer, repeating as pppd does (see ResetRequester).
 *
 * <p>The owner raises Up when LCP has opened and authentication (MS-CHAPv2, whose keys MPPE needs)
 * succeeded, Down when LCP leaves Opened, feeds CCP packets to {@link #receive}, calls
 * {@link #poll()} when {@link #deadline()} is due, and terminates LCP when
 * {@link CcpListener#failed} is called. Not thread-safe.
 */
public final class Ccp extends NegotiatedProtocol {
    private static final Logger log = LoggerFactory.getLogger(Ccp.class);

    /** "CCP", after the session's name where it has one: what its log lines start with. */
    private final String logName;
    private final MppePolicy policy;
    private final ControlPacketSender sender;
    private final CcpListener listener;
    private final MppeOptionNegotiator options;
    private final ResetRequester resets;
    private CcpResult result;
    /**
     * A failure was reported: report no other and never bring encryption up, since the session is
     * ending the link.
     */
    private boolean failed;
    /**
     * Encryption has been up. The start keys come from this link's authentication, so a second
     * MPPE start on them would repeat the keystream: a renegotiated CCP must never bring it up again.
     */
    private boolean keysUsed;
    /** The owner closed CCP or took its lower layer down: leaving Opened is then no failure. */
    private boolean ownerStopping;

    public Ccp(MppePolicy policy, AutomatonSettings settings, Clock clock, ControlPacketSender sender,
               CcpListener listener) {
        this("", policy, settings, clock, sender, listener);
    }

    /**
     * As the other constructor, for one session's link.
     *
     * @param session the session's name that starts CCP's log lines ("call 4711 (192.0.2.7)"), as
     *     LCP's do: with many sessions up, a failed encryption or a lost step is no use without it
     */
    public Ccp(String session, MppePolicy policy, AutomatonSettings settings, Clock clock, ControlPacketSender sender,
               CcpListener listener) {
        super(logName(session));
        this.logName = logName(session);
        this.policy = policy;
        this.sender = sender;
        this.listener = listener;
        this.options = new MppeOptionNegotiator(policy, this::fail);
        attach(new NegotiationAutomaton(logName, settings, clock, new Layer(), sender));
        this.resets = new ResetRequester(logName, clock, sender, automaton()::nextIdentifier,
                () -> fail(CcpFailure.RESET_UNANSWERED));
    }

    private static String logName(String session) {
        return session.isEmpty() ? "CCP" : session + ": CCP";
    }

    /** Administrative Open. */
    @Override
    public void open() {
        ownerStopping = false;
        super.open();
    }

    /** Administrative Close: CCP terminates; no failure is reported for it. */
    @Override
    public void close() {
        ownerStopping = true;
        super.close();
    }

    /** The link is ready for CCP (LCP opened, authentication done). */
    @Override
    public void lowerLayerUp() {
        ownerStopping = false;
        super.lowerLayerUp();
    }

    /** The link is no longer usable for CCP. */
    @Override
    public void lowerLayerDown() {
        ownerStopping = true;
        super.lowerLayerDown();
    }

    /**
     * The decryptor failed to decrypt a packet and wants the peer to reset
     * ({@link org.homerouter.pptp.mppe.MppeDecryptResult#wantsReset()}): sends a Reset-Request,
     * or notes that an unanswered one should be repeated. Ignored unless CCP is Opened, and once
     * a failure has been reported.
     */
    public void requestReset() {
        if (state() == AutomatonState.OPENED && !failed) {
            resets.decryptionFailed();
        }
    }

    /** Runs the Restart timer and the Reset-Request timer if due. */
    @Override
    public void poll() {
        super.poll();
        resets.poll();
    }

    @Override
    public OptionalLong deadline() {
        return Clock.earliest(super.deadline(), resets.deadline());
    }

    /**
     * The MPPE setting the peer last named (in its Configure-Request or a Nak of ours), empty if it
     * never named one: what it was willing to do, for a failure to report.
     */
    public Optional<org.homerouter.pptp.mppe.MppeOption> peerOffered() {
        return options.peerOffered();
    }

    /** What was agreed, while CCP is Opened with encryption. */
    public Optional<CcpResult> result() {
        return Optional.ofNullable(result);
    }

    private void fail(CcpFailure failure) {
        if (failed) {
            return;
        }
        failed = true;
        log.debug("{}: {}", logName, failure.description());
        listener.failed(failure);
    }

    /** The CCP side of the automaton. */
    private final class Layer implements ProtocolLayer {
        @Override
        public boolean reAcksARepeatedRequest() {
            return true;
        }

        @Override
        public void resetOptions() {
            options.reset();
        }

        @Override
        public List<ConfigOption> configureRequest() {
            return options.request();
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
            return options.naked(suggested);
        }

        @Override
        public boolean configureRejected(List<ConfigOption> rejected) {
            return options.rejected(rejected);
        }

        @Override
        public void thisLayerUp() {
            Optional<CcpResult> agreed = options.agreed();
            if (failed) {
                return;
            }
            if (agreed.isPresent() && keysUsed) {
                fail(CcpFailure.ENCRYPTION_STOPPED);
            } else if (agreed.isPresent()) {
                keysUsed = true;
                result = agreed.get();
                log.debug("{}: up with {}", logName, result);
                listener.encryptionUp(result);
            } else if (!options.anyEncryption() && !policy.required()) {
                listener.openedWithoutEncryption();
            } else {
                fail(policy.required() && !options.anyEncryption()
                        ? CcpFailure.PEER_REFUSED_ENCRYPTION : CcpFailure.DIRECTIONS_DISAGREE);
            }
        }

        @Override
        public void thisLayerDown() {
            resets.cancel();
            boolean wasEncrypting = result != null;
            result = null;
            listener.encryptionDown();
            if (wasEncrypting && !ownerStopping) {
                fail(CcpFailure.ENCRYPTION_STOPPED);
            }
        }

        @Override
        public void thisLayerStarted() {
            // Nothing below CCP to start: the session opens it only once LCP is up.
        }

        @Override
        public void thisLayerFinished() {
            // Required or not, the session must hear that CCP gave up without encryption (a
            // Protocol-Reject of CCP, Max-Configure unanswered, or the peer's Terminate-Request
            // after it opened without encryption): with optional MPPE it then runs IP in the
            // clear, and without this it would wait for CCP for good (macOS and pppd with noccp
            // Protocol-Reject CCP). Encryption that was up failed already, as it went down
            // (thisLayerDown), and the owner ends the link for that.
            if (ownerStopping || failed) {
                return;
            }
            fail(CcpFailure.NOT_NEGOTIATED);
            // And CCP stays given up, as the failure promises: Stopped would answer a later
            // Configure-Request with irc,scr,sca and open CCP with MPPE that the session, gone on
            // in clear, never uses (RFC 1661 §4.1). Closed answers it with a Terminate-Ack.
            close();
        }

        @Override
        public ExtensionEvent extensionPacket(ControlPacket packet, AutomatonState state) {
            switch (packet.code()) {
                case CcpCode.RESET_REQUEST -> {
                    // pppd's ccp_extcode: only an Opened CCP has anything to reset.
                    if (state == AutomatonState.OPENED) {
                        log.debug("{}: peer asked for a reset (Reset-Request {}): the next packet goes out re-keyed and flushed",
                                logName, packet.identifier());
                        listener.peerRequestedReset();
                        sender.send(new ControlPacket(CcpCode.RESET_ACK, packet.identifier()));
                    }
                    return ExtensionEvent.CONSUMED;
                }
                case CcpCode.RESET_ACK -> {
                    log.debug("{}: Reset-Ack {}", logName, packet.identifier());
                    resets.ackReceived(packet.identifier());
                    return ExtensionEvent.CONSUMED;
                }
                default -> {
                    return ExtensionEvent.UNKNOWN;
                }
            }
        }
    }
}
