package org.homerouter.pptp.session;

import java.io.IOException;
import java.util.Optional;
import java.util.concurrent.atomic.LongAdder;
import org.homerouter.pptp.Clock;
import org.homerouter.pptp.auth.AuthMethod;
import org.homerouter.pptp.gre.GreChannel;
import org.homerouter.pptp.ppp.ccp.Ccp;
import org.homerouter.pptp.ppp.ccp.CcpFailure;
import org.homerouter.pptp.ppp.lcp.Lcp;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Why one session ended, and the detail the owner reads with it: recorded as the first cause
 * comes, or decided from what was heard on the link when it ends without one (a call cleared while
 * LCP still waited, a keepalive that ran out): no GRE at all, GRE one way only, GRE this router
 * could not send, a login method the other side wanted, encryption the peer required.
 *
 * <p>Touched only under its {@link PppSession}'s lock, as every control packet and timer is; the
 * session's phase, and whether IP was ever up, are passed in. Its log lines are the session's,
 * under the session's logger.
 */
final class EndDiagnosis {
    private static final Logger LOG = LoggerFactory.getLogger(PppSession.class);

    private final String id;
    private final SessionSettings settings;
    private final Clock clock;
    private final long startedNanos;
    private final GreChannel channel;
    private final Lcp lcp;
    /** Every frame that came from the peer (the session counts them). */
    private final LongAdder framesReceived;
    private SessionEnd endReason;
    private String endDetail = "";
    /**
     * We Protocol-Rejected the peer's CCP (no MPPE on our side): if the peer then ends the link
     * before IP came up, it required encryption (Windows error 742, pppd "MPPE required but peer
     * negotiation failed"), which is worth saying instead of "closed normally".
     */
    private boolean ccpRejected;
    /**
     * Control packets to the peer (LCP echo requests among them) that this router failed to send
     * since the last one it sent, and the last failure: when echo requests then go unanswered, it
     * is this router that could not reach the peer (a firewall rule on it, a WAN address gone),
     * not the peer that vanished. Guarded by the session's lock, as every control send is.
     */
    private int unsentSinceSent;
    /** When the first of {@link #unsentSinceSent} failed. */
    private long unsentSinceNanos;
    private String lastSendFailure = "";

    EndDiagnosis(String id, SessionSettings settings, Clock clock, long startedNanos, GreChannel channel, Lcp lcp,
                 LongAdder framesReceived) {
        this.id = id;
        this.settings = settings;
        this.clock = clock;
        this.startedNanos = startedNanos;
        this.channel = channel;
        this.lcp = lcp;
        this.framesReceived = framesReceived;
    }

    // ---- what is recorded -----------------------------------------------------------------

    /** The end recorded so far, or null. */
    SessionEnd reason() {
        return endReason;
    }

    /** The detail recorded so far, "" for none. */
    String detail() {
        return endDetail;
    }

    /** Records {@code reason} and {@code detail}, unless an end was recorded already: the first cause wins. */
    void record(SessionEnd reason, String detail) {
        if (endReason == null) {
            endReason = reason;
            endDetail = detail;
        }
    }

    /** Records {@code reason} and {@code detail} over whatever was recorded. */
    void override(SessionEnd reason, String detail) {
        endReason = reason;
        endDetail = detail;
    }

    /** This side closes the link for {@code why}: the detail, with no reason (see {@link #leftForEncryption}). */
    void closingBecause(String why) {
        endDetail = why;
        closedHere = true;
    }

    /** This side closed the link ({@link #closingBecause}): its words are the end, not what LCP was waiting for. */
    private boolean closedHere;

    /** We Protocol-Rejected the peer's CCP (see {@link #ccpRejected}). */
    void rejectedCcp() {
        ccpRejected = true;
    }

    /** A control packet went out. */
    void sent() {
        unsentSinceSent = 0;
    }

    /** A control packet could not be sent, for {@code e}: remembered for the end (see {@link #keepaliveRanOut}). */
    void notSent(IOException e) {
        if (unsentSinceSent == 0) {
            unsentSinceNanos = clock.nanos();
        }
        unsentSinceSent++;
        lastSendFailure = String.valueOf(e.getMessage());
    }

    // ---- what was heard -------------------------------------------------------------------

    /**
     * The client cleared the call while we were still sending LCP Configure-Requests into silence
     * for at least one restart period: its own LCP gave up first (Windows then shows error 806/619),
     * and the cause on the wire is the same as our Max-Configure running out.
     */
    private boolean neverHeardFrom(SessionPhase phase) {
        long waited = clock.nanos() - startedNanos;
        return phase == SessionPhase.ESTABLISH && framesReceived.sum() == 0
                && waited >= settings.lcp().automaton().restartTimeout().toNanos();
    }

    /**
     * Still setting up the link, the peer's LCP Configure-Requests arrive again and again, and it
     * never answered ours: its frames reach us, ours do not reach it. For PPTP that is GRE dropped
     * towards the peer only, typically by a NAT router on the client's side without PPTP
     * passthrough, which lets GRE out but not back in.
     */
    private boolean onlyThePeerIsHeard(SessionPhase phase) {
        return phase == SessionPhase.ESTABLISH && lcp.onlyThePeerIsHeard();
    }

    /**
     * For a session that heard no GRE: that GRE for its call did come, from another address than
     * its control connection's, which this router drops (the client's network sends GRE from a
     * second public address: a provider NAT with several, two internet links); else "".
     */
    private String greFromElsewhere() {
        if (settings.role() == SessionRole.CLIENT) {
            // The dial-out: the office's end, not this router's, sends GRE from elsewhere (a
            // firewall's virtual address forwarding TCP 1723, a server with two network cards).
            return channel.fromElsewhere().map(what -> what + ": the remote office sends GRE from another"
                    + " address than the one dialed (its firewall forwards the PPTP port from a second public"
                    + " address, or its server has two network cards), which this router cannot take: dial the"
                    + " address its GRE comes from, or have the office send GRE from the address dialed").orElse("");
        }
        return channel.fromElsewhere().map(what -> what + ": the client's network sends GRE from another"
                + " public address than its TCP connection (a provider's NAT with several addresses, or two"
                + " internet links), which this router cannot take").orElse("");
    }

    /** The login methods this side allows, for the owner to read: "MS-CHAPv2, CHAP-MD5". */
    private String methodsAllowed() {
        return settings.auth().methods().stream().map(AuthMethod::displayName)
                .collect(java.util.stream.Collectors.joining(", "));
    }

    /**
     * Client role: whether the server asked us to log in with a method we cannot answer (we Nak'd
     * it with ours) before it gave up, on the login (LCP opened without one: pppd does so when it
     * runs out of methods, then ends the link) or on LCP; if so, the end's detail, naming it. Ended
     * as that, the session said "the server did not prove it knows the password", which sent the
     * owner looking for an impostor, or "no LCP agreement".
     */
    Optional<String> serverWantedAnotherLogin() {
        Optional<byte[]> wanted = lcp.authenticationPeerWanted();
        if (wanted.isEmpty()) {
            return Optional.empty();
        }
        String offered = methodsAllowed();
        return Optional.of("the remote server asked this router to log in with " + AuthMethod.describe(wanted.get())
                + ", which it cannot (it logs in with " + offered + " only): allow " + offered
                + " for this account at the remote server");
    }

    // ---- how it ended ---------------------------------------------------------------------

    /**
     * The PPTP call went away under the link (see {@link PppSession#lowerLayerGone(String, String)}):
     * unless an end is recorded, what was heard in {@code phase} decides it.
     */
    void callGone(String lostBecause, String clearedBecause, SessionPhase phase, boolean ipWasUp) {
        Optional<String> wantedAnother = serverWantedAnotherLogin();
        if (endReason == null) {
            if (neverHeardFrom(phase)) {
                endReason = SessionEnd.NO_GRE;
                String elsewhere = greFromElsewhere();
                if (!elsewhere.isEmpty()) {
                    endDetail = endDetail.isEmpty() ? elsewhere : endDetail + "; " + elsewhere;
                }
            } else if (onlyThePeerIsHeard(phase)) {
                endReason = SessionEnd.GRE_ONE_WAY;
            } else if (lostBecause == null && settings.role() == SessionRole.CLIENT && phase == SessionPhase.ESTABLISH
                    && wantedAnother.isPresent()) {
                // The server hung up the call for it (ours does, RRAS does): not a mere "call cleared".
                endReason = SessionEnd.AUTH_METHOD_UNSUPPORTED;
                endDetail = wantedAnother.get();
            } else if (!leftForEncryption(ipWasUp)) {
                // Lost under a link already ending in order (the peer's Terminate-Request, or this
                // router's own close: the administrator, the idle timeout) is no failure: a client
                // that resets its TCP connection right after hanging up is only quick about it.
                if (lostBecause != null && phase != SessionPhase.TERMINATE && endDetail.isEmpty()) {
                    endReason = SessionEnd.CONTROL_LOST;
                    endDetail = endDetail.isEmpty() ? lostBecause : endDetail + "; " + lostBecause;
                } else if (settings.role() == SessionRole.CLIENT && endDetail.isEmpty()
                        && lcp.peerTerminateText().isPresent()) {
                    // The server hung up in order, saying why in its Terminate-Request, and cleared
                    // the call before our Terminate-Ack's wait was over: a hang-up in its words
                    // (finish), which say more than the Call-Disconnect-Notify's result code.
                    LOG.debug("{}: call cleared after the server's Terminate-Request", id);
                } else {
                    endReason = SessionEnd.CALL_CLEARED;
                    if (clearedBecause != null && endDetail.isEmpty()) {
                        endDetail = clearedBecause;
                    }
                }
            }
        }
    }

    /** LCP no longer needs the call (This-Layer-Finished) in {@code phase}. */
    void lcpFinished(SessionPhase phase) {
        // A link this side closed during its setup (the administrator, the server stopping) ends
        // as closed, with the words given: it was read as "the client stopped answering".
        if (endReason == null && phase == SessionPhase.ESTABLISH && !closedHere) {
            // LCP gave up (Max-Configure, RFC 1661 §4.6). Silence from the very first frame is the
            // classic PPTP failure: TCP 1723 got through, GRE did not.
            Optional<String> wantedAnother = settings.role() == SessionRole.CLIENT ? serverWantedAnotherLogin()
                    : Optional.empty();
            if (framesReceived.sum() == 0) {
                record(SessionEnd.NO_GRE, greFromElsewhere());
            } else if (onlyThePeerIsHeard(phase)) {
                record(SessionEnd.GRE_ONE_WAY, "");
            } else if (wantedAnother.isPresent()) {
                record(SessionEnd.AUTH_METHOD_UNSUPPORTED, wantedAnother.get());
            } else {
                record(SessionEnd.LCP_TIMEOUT, "no LCP agreement");
            }
        }
    }

    /**
     * Whether this router's sends have failed since the first unanswered echo request of the
     * keepalive window (sent echo-failures intervals ago; half an interval's margin for a late
     * timer), not just lately: a dead client whose last echo requests met a full send queue
     * for a moment is still a dead client.
     */
    private boolean sendsFailedAllWindow() {
        if (unsentSinceSent == 0) {
            return false;
        }
        long interval = settings.lcp().echoInterval().toNanos();
        return clock.nanos() - unsentSinceNanos >= interval * settings.lcp().echoFailures() - interval / 2;
    }

    /**
     * LCP's echo requests went unanswered (RFC 1661 §5.8). {@code checkedBecause}: why the peer
     * was asked at once ({@link PppSession#checkAlive}), if it was and has sent nothing since; else null.
     */
    void keepaliveRanOut(String checkedBecause) {
        if (sendsFailedAllWindow()) {
            record(SessionEnd.GRE_NOT_SENT, "no answer to LCP echo requests; this router's last "
                    + unsentSinceSent + " control packet(s) to " + channel.peerAddress().getHostAddress()
                    + " could not be sent: " + lastSendFailure);
        } else {
            record(SessionEnd.PEER_DEAD, "no answer to LCP echo requests"
                    + (checkedBecause == null ? "" : ", asked at once because " + checkedBecause));
        }
    }

    /**
     * The session ends now, the peer last heard from {@code silentNanos} ago: an end for a silent
     * peer ({@link SessionEnd#PEER_DEAD}, {@link SessionEnd#GRE_NOT_SENT}) says when, in its detail.
     * The keepalive gives up the same minute or so after the last echo reply either way, so the end
     * alone did not tell a client that vanished (heard from last a minute before) from one whose
     * frames still came while ours no longer reached it (heard from a second before: its NAT or
     * this router's sending, not the client, is what failed).
     */
    void peerLastHeard(long silentNanos) {
        if (endReason == SessionEnd.PEER_DEAD || endReason == SessionEnd.GRE_NOT_SENT) {
            endDetail = endDetail + "; last heard from " + org.homerouter.pptp.SpokenDuration.of(silentNanos) + " before the end";
        }
    }

    /**
     * The peer refused every login method we asked for (LCP Configure-Nak or Configure-Reject of
     * Authentication-Protocol, RFC 1661 §6.2). Its Nak names the method it wants instead: the
     * owner's remedy depends on it, allowing one this router does (the VPN server page) or
     * setting the client to one it allows, when it asked for one this router does not do at all.
     */
    void authenticationRefused() {
        String allowed = methodsAllowed();
        Optional<byte[]> askedFor = lcp.authenticationAskedFor();
        if (askedFor.isEmpty()) {
            record(SessionEnd.AUTH_METHOD_REFUSED, "the client refused to log in with " + allowed
                    + " and named no method of its own (it rejected the login request)");
            return;
        }
        String asked = AuthMethod.describe(askedFor.get());
        Optional<AuthMethod> known = AuthMethod.fromOptionData(askedFor.get());
        if (known.isEmpty()) {
            record(SessionEnd.AUTH_METHOD_UNSUPPORTED, "the client asked for " + asked
                    + ", which this router does not offer; offered here: " + allowed);
        } else {
            record(SessionEnd.AUTH_METHOD_REFUSED, "the client asked for " + asked
                    + ", which the VPN server's settings do not offer; offered here: " + allowed);
        }
    }

    /**
     * Whether the peer, whose CCP we Protocol-Rejected, left before IP came up ({@code ipWasUp}
     * false): it requires the encryption we do not offer. Records that as the end.
     */
    private boolean leftForEncryption(boolean ipWasUp) {
        if (!ccpRejected || ipWasUp || !endDetail.isEmpty()) {
            return false; // (endDetail without endReason: this side is closing the link, see closingBecause)
        }
        record(SessionEnd.ENCRYPTION_REFUSED, settings.role() == SessionRole.CLIENT
                ? "the remote server ended the link after this router declined encryption (its encryption setting"
                        + " is none)"
                : "the client ended the link after this router declined encryption (MPPE): the client requires it,"
                        + " and this router offers none (encryption off, or a login method that gives no keys)");
        return true;
    }

    /**
     * The session is ending now ({@code ipWasUp}: whether IP was ever up on its link): the end as
     * it stands, {@link SessionEnd#HUNG_UP} if none was recorded; on a client, the remote server's
     * own words become the detail if there is none.
     */
    SessionEnd settle(boolean ipWasUp) {
        if (endReason == null) {
            leftForEncryption(ipWasUp);
        }
        if (settings.role() == SessionRole.CLIENT && endDetail.isEmpty() && lcp.peerTerminateText().isPresent()) {
            // The remote server's own words, which the owner of a router that dials out reads nowhere else.
            endDetail = "the remote server said: " + lcp.peerTerminateText().get();
        }
        return endReason != null ? endReason : SessionEnd.HUNG_UP;
    }

    // ---- encryption -----------------------------------------------------------------------

    /**
     * What the peer offered in CCP (the MPPE option it named, RFC 3078 §2), and on the server the
     * encryption setting of the VPN server page that would accept it: "; the client offered
     * 40-bit MPPE (stateless): ...". Empty when it named no MPPE option. {@code ccp}: the
     * session's CCP, null if none.
     */
    String peerOfferedEncryption(Ccp ccp) {
        Optional<org.homerouter.pptp.mppe.MppeOption> offered = ccp == null ? Optional.empty() : ccp.peerOffered();
        String peer = settings.role() == SessionRole.CLIENT ? "the remote server" : "the client";
        if (offered.isEmpty() || offered.get().strengths().isEmpty()) {
            return "; " + peer + " offered no MPPE encryption"
                    + (settings.role() == SessionRole.SERVER ? ": set the client to require encryption (Windows:"
                    + " Security tab, Data encryption), or choose Encryption \"Optional\" on the VPN server page" : "");
        }
        java.util.Set<org.homerouter.pptp.mppe.MppeStrength> strengths = offered.get().strengths();
        String which = strengths.stream().map(org.homerouter.pptp.mppe.MppeStrength::label)
                .collect(java.util.stream.Collectors.joining(" or "));
        String what = "; " + peer + " offered " + which + " MPPE (" + (offered.get().stateless() ? "stateless"
                : "stateful") + ")";
        if (settings.role() != SessionRole.SERVER) {
            // What the owner of the router that dials out can choose on its Site-to-site page.
            if (!strengths.contains(org.homerouter.pptp.mppe.MppeStrength.BITS_128)) {
                return what + ": choose Encryption \"Require, 40/56/128-bit\" on the Site-to-site page (weaker keys),"
                        + " or have the remote server offer 128-bit";
            }
            if (!offered.get().stateless()) {
                return what + ": choose Encryption \"Require 128-bit, stateful\" on the Site-to-site page";
            }
            return what;
        }
        if (!strengths.contains(org.homerouter.pptp.mppe.MppeStrength.BITS_128)) {
            return what + ": set the client to 128-bit (Windows: Security tab, Data encryption \"Maximum"
                    + " strength encryption\"), or"
                    + " choose Encryption \"Require, 40/56/128-bit\" on the VPN server page (weaker keys)";
        }
        if (!offered.get().stateless()) {
            return what + ": choose Encryption \"Require 128-bit\" or \"Require 128-bit, stateful\" on the VPN"
                    + " server page, which accept stateful clients";
        }
        return what;
    }

    /** Which way the peer's encryption was lost, for {@link SessionEnd#ENCRYPTION_LOST}'s detail. */
    String encryptionLost(CcpFailure failure) {
        String peer = settings.role() == SessionRole.CLIENT ? "the remote server" : "the client";
        return switch (failure) {
            case ENCRYPTION_STOPPED -> peer + " stopped encrypting (it ended or renegotiated CCP while MPPE was up;"
                    + " MPPE cannot restart on the same keys)";
            case RESET_UNANSWERED -> peer + " did not answer this router's CCP Reset-Requests while its packets"
                    + " failed to decrypt (stateful MPPE out of step after lost packets)";
            default -> failure.description();
        };
    }
}
