package org.homerouter.pptp.ppp.ccp;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

import org.homerouter.pptp.mppe.MppeNegotiation;
import org.homerouter.pptp.mppe.MppeOption;
import org.homerouter.pptp.mppe.MppePolicy;
import org.homerouter.pptp.ppp.ConfigOption;
import org.homerouter.pptp.ppp.ConfigureReply;

/**
 * The option half of CCP: our Configure-Requests and our judgement of the peer's, with MPPE
 * (option 18, RFC 3078 §2) as the only option either side may use. The decisions on the MPPE
 * value itself are {@link MppeNegotiation}'s; this class adds what CCP needs around them.
 *
 * <ul>
 * <li>A CCP Configure-Request names what its sender is willing to receive (RFC 1962 §4): the
 *     option the peer acks is the one we decrypt with, the one we ack is the one we encrypt with.</li>
 * <li>Every other option (Deflate 26, BSD-Compress 21, Predictor 1/2, Stac, ...) is rejected, and
 *     so is an option 18 of the wrong length, as pppd's ccp.c does. Rejects go out alone (RFC 1661
 *     §5.4 before §5.3); the MPPE option is judged when the peer asks again without them.</li>
 * <li>A request without MPPE while MPPE is required is Nak'd with our MPPE option (RFC 1661 §5.3
 *     lets a Nak name an option the request lacked). pppd Acks such a request and leaves that
 *     direction unencrypted; a router that requires encryption must not.</li>
 * <li>Both directions must end with the same strength and mode (see {@link CcpFailure#DIRECTIONS_DISAGREE}):
 *     a peer's request for anything but the single setting we ask for (or the peer acked) is
 *     Nak'd with ours. Stateful mode is therefore used only when the peer Naks our stateless
 *     request to stateful and asks for stateful itself. pppd always asks for stateless mode, and
 *     Windows asks for what it accepts, so neither notices.</li>
 * <li>pppd 2.4.x, for comparison (ccp.c): its request carries H unless told otherwise; it takes a
 *     Nak's MPPE value when it names nothing it did not offer (else closes LCP); it rejects a
 *     stateful request outright unless mppe-stateful is set, and Naks several strengths down to
 *     the strongest. It negotiates the two directions independently and never reconciles them.</li>
 * </ul>
 *
 * Failures are reported to the sink as they are found (pppd closes LCP at the same points).
 */
final class MppeOptionNegotiator {
    private final MppePolicy policy;
    private final Consumer<CcpFailure> failures;
    /** The MPPE option of our next Configure-Request; null once the peer refused it. */
    private MppeOption wanted;
    /** What the peer acked: our receive direction. */
    private MppeOption acked;
    /** What we acked in the peer's last request: our send direction. */
    private MppeOption peers;
    private int naksSent;
    /**
     * The MPPE option the peer last named, in a Configure-Request (what it will receive, RFC 1962
     * §4) or in a Nak of ours (what it would take): kept across renegotiations, so a failure can say
     * what the peer was willing to do.
     */
    private MppeOption peerOffered;

    MppeOptionNegotiator(MppePolicy policy, Consumer<CcpFailure> failures) {
        this.policy = policy;
        this.failures = failures;
        reset();
    }

    /** A fresh negotiation: start from the policy again. */
    void reset() {
        wanted = MppeNegotiation.initialRequest(policy);
        acked = null;
        peers = null;
        naksSent = 0;
    }

    List<ConfigOption> request() {
        return wanted == null ? List.of() : List.of(toConfigOption(wanted));
    }

    /**
     * The peer acked our request. Our first one names every strength the policy allows (RFC 3078
     * §2); a peer that acks it as it is (pppd does, with Linux's ppp_mppe) then uses the strongest,
     * and so does our direction's agreement: comparing the several-strength option as such with the
     * peer's single one never matched, and the session failed (or, with encryption optional, ran
     * in clear while the peer encrypted).
     */
    void acked(List<ConfigOption> options) {
        acked = find(options).flatMap(MppeOptionNegotiator::decode).map(MppeOption::strongestOnly).orElse(null);
    }

    /** The peer's Nak: take its MPPE suggestion if the policy allows one; ignore anything else, as pppd does. */
    boolean naked(List<ConfigOption> suggestions) {
        Optional<ConfigOption> option = find(suggestions);
        if (option.isEmpty() || wanted == null) {
            return true;
        }
        Optional<MppeOption> suggested = decode(option.get());
        if (suggested.isEmpty()) {
            return false; // a malformed option 18 makes the Nak unusable
        }
        peerOffered = suggested.get();
        wanted = MppeNegotiation.requestAfterNak(policy, suggested.get()).orElse(null);
        if (wanted == null && policy.required()) {
            failures.accept(CcpFailure.NO_COMMON_ENCRYPTION);
        }
        return true;
    }

    boolean rejected(List<ConfigOption> options) {
        if (options.isEmpty()) {
            return false; // names nothing: not a usable Reject
        }
        if (find(options).isPresent()) {
            wanted = null;
            if (policy.required()) {
                failures.accept(CcpFailure.PEER_REFUSED_ENCRYPTION);
            }
        }
        return true;
    }

    ConfigureReply judge(List<ConfigOption> requested, boolean rejectInsteadOfNak) {
        peers = null;
        List<ConfigOption> rejects = new ArrayList<>();
        ConfigOption mppe = null;
        for (ConfigOption option : requested) {
            if (mppe == null && option.type() == MppeOption.TYPE && option.dataLength() == MppeOption.LENGTH - 2) {
                mppe = option;
            } else {
                rejects.add(option);
            }
        }
        if (!rejects.isEmpty()) {
            return ConfigureReply.reject(rejects);
        }
        if (mppe == null) {
            return judgeWithoutMppe(rejectInsteadOfNak);
        }
        MppeOption offered = decode(mppe).orElseThrow();
        peerOffered = offered;
        MppeOption reference = steeringReference();
        MppeOption counter;
        switch (MppeNegotiation.answerPeerRequest(policy, offered, naksSent)) {
            case MppeNegotiation.Reject reject -> {
                return ConfigureReply.reject(List.of(mppe)); // MPPE optional: this direction goes unencrypted
            }
            case MppeNegotiation.Ack ack -> counter = reference != null && !sameSetting(reference, ack.agreed()) ? reference : null;
            case MppeNegotiation.Nak nak -> counter = reference != null ? reference : nak.suggested();
        }
        if (counter == null) {
            peers = offered;
            return ConfigureReply.ack();
        }
        if (rejectInsteadOfNak) {
            // Max-Failure Naks did not converge (RFC 1661 §4.6).
            if (policy.required()) {
                failures.accept(acked != null ? CcpFailure.DIRECTIONS_DISAGREE : CcpFailure.NO_COMMON_ENCRYPTION);
            }
            return ConfigureReply.reject(List.of(mppe));
        }
        naksSent++;
        return ConfigureReply.nak(List.of(toConfigOption(counter)));
    }

    private ConfigureReply judgeWithoutMppe(boolean rejectInsteadOfNak) {
        if (!policy.required()) {
            return ConfigureReply.ack(); // the peer receives unencrypted; fine by this policy
        }
        if (rejectInsteadOfNak) {
            // Nothing to reject and no more Naks: ack, and give up on encryption.
            failures.accept(CcpFailure.PEER_REFUSED_ENCRYPTION);
            return ConfigureReply.ack();
        }
        naksSent++;
        MppeOption reference = steeringReference();
        return ConfigureReply.nak(List.of(toConfigOption(reference != null ? reference : MppeNegotiation.initialRequest(policy))));
    }

    /**
     * The single setting the peer's request is steered to, so that both directions agree: what
     * the peer acked of ours, else what we are asking for, as long as that names one strength
     * (a first request offering several strengths steers nothing; the peer picks one).
     */
    private MppeOption steeringReference() {
        MppeOption reference = acked != null ? acked : wanted;
        return reference != null && reference.singleStrength().isPresent() ? reference : null;
    }

    /** The setting both directions agreed, once both requests have been acked with the same one. */
    Optional<CcpResult> agreed() {
        if (acked == null || peers == null || !sameSetting(acked, peers)) {
            return Optional.empty();
        }
        return Optional.of(new CcpResult(acked.singleStrength().orElseThrow(), acked.stateless()));
    }

    /** The MPPE option the peer last asked for or suggested, empty if it never named one. */
    Optional<MppeOption> peerOffered() {
        return Optional.ofNullable(peerOffered);
    }

    /** Whether either direction agreed on MPPE. */
    boolean anyEncryption() {
        return acked != null || peers != null;
    }

    private static boolean sameSetting(MppeOption a, MppeOption b) {
        return a.stateless() == b.stateless() && a.singleStrength().isPresent()
                && a.singleStrength().equals(b.singleStrength());
    }

    private static Optional<ConfigOption> find(List<ConfigOption> options) {
        return options.stream().filter(o -> o.type() == MppeOption.TYPE).findFirst();
    }

    private static Optional<MppeOption> decode(ConfigOption option) {
        if (option.dataLength() != MppeOption.LENGTH - 2) {
            return Optional.empty();
        }
        return Optional.of(MppeOption.decodeValue(option.data(), 0, option.dataLength()));
    }

    private static ConfigOption toConfigOption(MppeOption option) {
        byte[] whole = option.encode();
        return new ConfigOption(MppeOption.TYPE, Arrays.copyOfRange(whole, 2, whole.length));
    }
}
