package org.homerouter.pptp.session;

import java.io.IOException;
import java.net.Inet4Address;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.random.RandomGenerator;
import org.homerouter.pptp.Clock;
import org.homerouter.pptp.LogLimit;
import org.homerouter.pptp.TokenBucket;
import org.homerouter.pptp.auth.AuthExchange;
import org.homerouter.pptp.auth.AuthFailureLockout;
import org.homerouter.pptp.auth.AuthMethod;
import org.homerouter.pptp.auth.AuthResult;
import org.homerouter.pptp.auth.Authentication;
import org.homerouter.pptp.auth.MppeKeyMaterial;
import org.homerouter.pptp.gre.GreChannel;
import org.homerouter.pptp.gre.GrePayloadSink;
import org.homerouter.pptp.mppe.MppeDecryptor;
import org.homerouter.pptp.mppe.MppeEncryptor;
import org.homerouter.pptp.mppe.MppeHeader;
import org.homerouter.pptp.mppe.MppePolicy;
import org.homerouter.pptp.mppe.MppeStartKeys;
import org.homerouter.pptp.ppp.AutomatonObserver;
import org.homerouter.pptp.ppp.AutomatonSettings;
import org.homerouter.pptp.ppp.ControlPacket;
import org.homerouter.pptp.ppp.ControlPacketCodec;
import org.homerouter.pptp.ppp.ControlPacketSender;
import org.homerouter.pptp.ppp.HeaderCompression;
import org.homerouter.pptp.ppp.PppFrame;
import org.homerouter.pptp.ppp.PppProtocol;
import org.homerouter.pptp.ppp.ccp.Ccp;
import org.homerouter.pptp.ppp.ccp.CcpFailure;
import org.homerouter.pptp.ppp.ccp.CcpListener;
import org.homerouter.pptp.ppp.ccp.CcpResult;
import org.homerouter.pptp.ppp.ipcp.Ipcp;
import org.homerouter.pptp.ppp.ipcp.IpcpConfiguration;
import org.homerouter.pptp.ppp.ipcp.IpcpListener;
import org.homerouter.pptp.ppp.ipcp.IpcpSettings;
import org.homerouter.pptp.ppp.ipcp.PeerAddressAllocator;
import org.homerouter.pptp.ppp.lcp.Lcp;
import org.homerouter.pptp.ppp.lcp.LcpListener;
import org.homerouter.pptp.ppp.lcp.LinkConfiguration;
import org.homerouter.pptp.ppp.lcp.LinkFailure;
import org.homerouter.pptp.tunnel.IpPacketSink;
import org.homerouter.pptp.tunnel.TunnelConfig;
import org.homerouter.pptp.tunnel.TunnelDevice;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One PPP link over one PPTP call, from LCP to IP (RFC 1661 §3.2's phases): Establish (LCP),
 * Authenticate (PAP, CHAP-MD5 or MS-CHAPv2), Network (CCP with MPPE, IPCP), then IP through the
 * session's tunnel device. The same class is our server's end and the engine client's end; the
 * {@link SessionRole} picks which side of each exchange it plays.
 *
 * <p>Threads: PPP frames arrive from the GRE receive thread ({@link #sink()}), timers from the
 * caller's ticker ({@link #poll()}), hang-ups from the control connection. Control traffic is
 * serialised by this object's lock; IP packets take the {@link IpDataPath} without it. Never call
 * into the GRE channel's receive side while holding this lock (the channel calls us with its
 * receive lock held).
 *
 * <p>Its parts, each touched only under this object's lock: {@link EndDiagnosis} (why the session
 * ended), {@link LoginLookups} (the accounts its logins look up, through the lockout) and {@link
 * PeerAddressAssignment} (the client's tunnel address, kept through a renegotiation).
 */
public final class PppSession {
    private static final Logger LOG = LoggerFactory.getLogger(PppSession.class);
    /** Strangers' failed logins and ends of sessions that never logged in: lines a peer causes at will, within a budget. */
    private static final LogLimit NEVER_UP_LOGGED = new LogLimit();
    /** Failed logins: strangers' within {@link #NEVER_UP_LOGGED}, each account's within a budget of its own. */
    private static final FailedLoginLines FAILED_LOGINS = new FailedLoginLines(LOG, NEVER_UP_LOGGED);
    /**
     * Restarts of IP on one link that are let through: {@value #IP_RESTART_BURST} at once, then
     * one every 10 s. Each renegotiation (of IPCP or CCP, or of LCP, which logs in again) closes the
     * tunnel interface and opens a new one, on the data path's thread, which carries every
     * session's packets; a client that renegotiates in a loop would make the router do that
     * thousands of times a minute. Stock clients renegotiate rarely if ever.
     */
    static final int IP_RESTART_BURST = 5;
    static final double IP_RESTARTS_PER_MINUTE = 6;
    /**
     * The server's bound on a whole login, from the call to success. Each login exchange has its
     * own limit (AuthPolicy's 30 s), but an LCP renegotiation ends the exchange with the link and
     * the next link begins a fresh one: a client that renegotiated LCP every 25 s and never
     * answered a Challenge held one of the router's logins in progress (PppSessions) for as long
     * as it liked, and 16 such clients kept every real login out. A stock client logs in within
     * seconds of its call, or fails the first exchange within its 30 s.
     */
    static final Duration LOGIN_DEADLINE = Duration.ofSeconds(60);

    private final SessionSettings settings;
    private final SessionEnvironment env;
    /** A server's LCP is to be opened at the client's first frame, or at {@code lcpOpenAt}. */
    private boolean lcpOpenPending;
    private long lcpOpenAt;
    private final GreChannel channel;
    private final SessionListener listener;
    private final Clock clock;
    private final String id;
    private final Lcp lcp;
    private final LongAdder framesDiscarded = new LongAdder();
    private final LongAdder framesReceived = new LongAdder();
    private final long startedNanos;
    /**
     * When a frame last came from the peer (clock nanos, to {@link #HEARD_RESOLUTION}): a silent
     * peer's end is recorded at the time it fell silent, not the minute later its keepalive ran
     * out, and the Dashboard says which session stopped answering. Lock-free.
     */
    private volatile long lastHeardNanos;
    private static final long HEARD_RESOLUTION = java.time.Duration.ofMillis(100).toNanos();

    private SessionPhase phase = SessionPhase.DEAD;
    private LinkConfiguration link;
    /** Volatile: {@link #authMethod} reads it without the lock. */
    private volatile AuthExchange auth;
    private MppeKeyMaterial keyMaterial;
    private String userName;
    /** Whether a failed login named one of the router's accounts ({@link #userName} is its name). */
    private boolean failedOnAnAccount;
    private Ipcp ipcp;
    /** The peer's last IPCP packet that arrived while IPCP waited for CCP. */
    private ByteBuffer earlyIpcp;
    /** The peer's latest CCP packet while the network phase was held ({@link #holdNetworkPhase}), for when it starts. */
    private ByteBuffer heldCcp;
    /**
     * What IPCP negotiated, while it is Opened. Kept while CCP negotiates again (the data path
     * stopped meanwhile): IPCP, still Opened, says nothing new, and the path is built on this
     * once CCP is Opened again.
     */
    private IpcpConfiguration ipConfiguration;
    /** The client's tunnel address (server side), kept through an LCP renegotiation. */
    private final PeerAddressAssignment peerAddress;
    /**
     * Our address when IP was last up on this link (client side): asked for again when IPCP is
     * negotiated anew after an LCP renegotiation (RFC 1332 §3.3), so the server can keep it.
     */
    private Inet4Address ownAddressHad;
    private Ccp ccp;
    /** Volatile: {@link #encryption} reads it without the lock. */
    private volatile CcpResult agreed;
    /** CCP opened but left both directions unencrypted (only when the policy allows it). */
    private boolean ccpOpenedClear;
    private MppeEncryptor encryptor;
    private MppeDecryptor decryptor;
    // The CCP agreement the two ciphers were made for: made once per agreement, kept across IPCP
    // going down and up (RFC 3078 §7: a key stream is never used twice).
    private CcpResult ciphersFor;
    private TunnelDevice device;
    /** The name of the tunnel device the session last had, for its end's log line (the device is gone by then). */
    private String deviceHad;
    private volatile IpDataPath ipPath;
    /** What every data path of this link has carried: each counts into it, so it survives renegotiations. */
    private final TrafficCounters traffic = new TrafficCounters();
    /** Whether IP has been up on this link, and, once it has, the budget of its restarts. */
    private boolean ipWasUp;
    private TokenBucket ipRestarts;
    /** Why the session ended, recorded or decided from what was heard. */
    private final EndDiagnosis end;
    /** What went wrong while the session was up, for the dashboard; null while all is well. */
    private volatile SessionProblem problem;
    private volatile String problemDetail = "";
    /** Volatile: read without the lock by {@link #hasEnded} and {@link #beingChecked}, from other sessions' threads. */
    private volatile boolean ended;
    private boolean finishing;
    /** The accounts this link's logins look up, through the lockout (server side). */
    private final LoginLookups logins;
    /** The reason the session ends was already logged as a warning: the end itself needs no second line. */
    private boolean failureLogged;
    private boolean everAuthenticated;
    /** Authentication exchanges started on this link: each starts its Identifiers elsewhere. */
    private int authExchanges;
    /**
     * Whether the peer has answered the login request of the link as it is now (see {@link
     * #loginUnanswered()}); volatile, as that is read without this object's lock.
     */
    private volatile boolean loginAnswered;
    /**
     * {@link #nextDeadline()} as of the last change made under this object's lock (every timer
     * changes under it), or {@link Long#MAX_VALUE} for none: the timer tick reads it without the
     * lock, so that it walks thousands of idle sessions without taking thousands of locks and
     * touching each session's layers ({@link #timerDue}). Starts as "due at once".
     */
    private volatile long deadlineHint;
    /**
     * Why the peer is being asked whether it still answers ({@link #checkAlive}), until it is
     * heard from; null otherwise. With {@link #framesAtCheck}, what {@link #beingChecked} reads
     * without the lock.
     */
    private volatile String checkedBecause;
    private volatile long framesAtCheck;
    /** While the network phase waits ({@link #holdNetworkPhase}): until when at most, and for what. */
    private long networkHeldUntil;
    private java.util.function.BooleanSupplier networkWaitsFor;

    /**
     * @param id a short name for logs, e.g. "call 4711 from 192.0.2.7"
     */
    public PppSession(String id, SessionSettings settings, SessionEnvironment env, GreChannel channel,
                      SessionListener listener) {
        this.id = id;
        this.settings = settings;
        this.env = env;
        this.channel = channel;
        this.listener = listener;
        this.clock = env.clock();
        this.startedNanos = clock.nanos();
        this.lastHeardNanos = startedNanos;
        this.deadlineHint = startedNanos;
        this.lcp = new Lcp(id, settings.lcp(), clock, RandomGenerator.getDefault(), sender(PppProtocol.LCP), new LinkEvents(),
                AutomatonObserver.NONE);
        this.end = new EndDiagnosis(id, settings, clock, startedNanos, channel, lcp, framesReceived);
        this.peerAddress = new PeerAddressAssignment(id, env);
        this.logins = new LoginLookups(env.lockout(), channel.peerAddress());
    }

    // ---- inputs ---------------------------------------------------------------------------

    /**
     * The link is there (the PPTP call is up): begin LCP (RFC 1661 §3.2 Up + Open). A server opens
     * LCP when the client's first frame arrives, or after {@link #SERVER_SPEAKS_AFTER} of silence.
     * The call is up for us the moment we send the Outgoing-Call-Reply, but Apple's and Android's
     * clients set up their GRE only after reading it, and drop what comes before: a Configure-
     * Request sent at once was lost, and LCP waited a whole restart period (3 s) to send it again,
     * while Android's driver held later frames waiting for the lost sequence number 0. Every stock
     * client sends its own Configure-Request as soon as it can.
     */
    public synchronized void start() {
        phase = SessionPhase.ESTABLISH;
        lcp.lowerLayerUp();
        if (settings.role() == SessionRole.SERVER) {
            lcpOpenPending = true;
            lcpOpenAt = clock.nanos() + SERVER_SPEAKS_AFTER.toNanos();
        } else {
            lcp.open();
        }
        updateDeadlineHint();
    }

    /** What MPPE adds inside the Information field: its header and the encrypted protocol field. */
    static final int MPPE_OVERHEAD = MppeHeader.LENGTH + 2;

    /** How long a server waits for the client to speak first before it opens LCP anyway. */
    static final Duration SERVER_SPEAKS_AFTER = Duration.ofSeconds(1);

    private void openLcpIfPending() {
        if (lcpOpenPending) {
            lcpOpenPending = false;
            lcp.open();
        }
    }

    /** Where the GRE channel delivers this call's PPP frames. */
    public GrePayloadSink sink() {
        return received;
    }

    private final GrePayloadSink received = new GrePayloadSink() {
        @Override
        public void onPayload(ByteBuffer frame) {
            onFrame(frame);
        }

        /**
         * Only an MPPE datagram (protocol 0x00FD, RFC 3078 §3) passes: one made without the keys
         * does not decrypt. Anything else, LCP and CCP above all, is never encrypted, and a frame
         * numbered far ahead is all a spoofer needs to make GRE take it (its header is in clear):
         * an LCP Terminate-Request so sent ended any session of a client whose public address it
         * knew, and wrote the spoofer's words into the dial-out's end as the remote server's. A
         * real peer loses nothing that matters: its next frame falls in the window, as after any
         * loss, and a control packet dropped here is sent again when its Restart timer runs out
         * (RFC 1661 §4.6: Max-Configure and Max-Terminate transmissions, Echo-Requests until the
         * keepalive gives up). In a session without MPPE the first IP packet after a long loss
         * is dropped too: nothing there authenticates a frame either.
         */
        @Override
        public void onPayloadOutsideWindow(ByteBuffer frame) {
            if (PppFrame.protocolOf(frame) == PppProtocol.COMPRESSED_DATAGRAM) {
                onFrame(frame);
            } else {
                framesDiscarded.increment();
            }
        }
    };

    /**
     * The longest frame taken from the peer: our MRU is the default 1500 (RFC 1661 §6.1: the peer
     * sends no longer), plus PPP's and MPPE's headers. The GRE socket hands up to 64 KiB, and a
     * longer frame went through the state machines whole: a CHAP Response's name of 65,000 octets
     * was kept by the lockout. The GRE reorder buffer holds no longer either.
     */
    static final int MAX_FRAME = 2048;

    private void onFrame(ByteBuffer frame) {
        if (frame.remaining() > MAX_FRAME) {
            framesDiscarded.increment();
            return;
        }
        framesReceived.increment();
        long now = clock.nanos();
        if (now - lastHeardNanos >= HEARD_RESOLUTION) { // a volatile write a tenth of a second at most
            lastHeardNanos = now;
        }
        int protocol = PppFrame.readHeader(frame);
        if (protocol < 0) {
            framesDiscarded.increment();
            return;
        }
        if (protocol == PppProtocol.COMPRESSED_DATAGRAM || protocol == PppProtocol.IPV4 || protocol == PppProtocol.IPV6) {
            IpDataPath path = ipPath;
            if (path != null) {
                path.fromPeer(protocol, frame);
            } else {
                // Before IPCP (and CCP) are up no data may pass (RFC 1661 §3.6).
                framesDiscarded.increment();
            }
            return;
        }
        synchronized (this) {
            if (!ended) {
                // Open before the frame is read: LCP in Closed answers a Configure-Request with
                // Terminate-Ack (RFC 1661 §4.1); opened, it sends ours, then acks theirs.
                openLcpIfPending();
                control(protocol, frame);
            }
            updateDeadlineHint();
        }
    }

    private void control(int protocol, ByteBuffer information) {
        switch (protocol) {
            case PppProtocol.LCP -> lcp.receive(information);
            case PppProtocol.PAP, PppProtocol.CHAP -> {
                // §3.5: only the negotiated authentication protocol is meaningful, and only from the
                // Authentication phase on; anything else is silently discarded.
                if (auth != null && auth.protocol() == protocol) {
                    AuthExchange exchange = auth;
                    ControlPacketCodec.decode(information).ifPresentOrElse(exchange::receive, framesDiscarded::increment);
                    if (auth == exchange && exchange.peerAnswered()) {
                        loginAnswered = true;
                    }
                } else {
                    framesDiscarded.increment();
                }
            }
            case PppProtocol.IPCP -> {
                if (phase == SessionPhase.NETWORK && ipcp != null) {
                    ipcp.receive(information);
                } else if (phase == SessionPhase.NETWORK && ccp != null || networkWaitsFor != null) {
                    // A peer that runs IPCP alongside CCP (Windows, pppd without require-mppe) would
                    // otherwise wait a restart period for its retransmission: keep its latest packet
                    // for when IPCP opens. Likewise while the network phase is held.
                    earlyIpcp = copyOf(information);
                } else {
                    framesDiscarded.increment();
                }
            }
            case PppProtocol.CCP -> {
                if (phase == SessionPhase.NETWORK && ccp != null) {
                    ccp.receive(information);
                } else if (networkWaitsFor != null) {
                    heldCcp = copyOf(information); // answered when the phase starts, not a restart period later
                } else if (phase == SessionPhase.NETWORK) {
                    // No CCP on our side (no MPPE configured, or optional MPPE after PAP or CHAP-MD5,
                    // which give no keys): tell the peer to stop trying (§5.7) rather than let it
                    // retry for half a minute before its IPCP.
                    lcp.sendProtocolReject(protocol, information);
                    end.rejectedCcp();
                } else {
                    framesDiscarded.increment();
                }
            }
            default -> {
                // IPv6CP and everything else we do not speak: Protocol-Reject once LCP is Opened
                // (§5.7), but not before login is done: in the Authentication phase every packet but
                // LCP and the authentication protocol MUST be silently discarded (§3.5).
                if (phase != SessionPhase.NETWORK || !lcp.sendProtocolReject(protocol, information)) {
                    framesDiscarded.increment();
                }
            }
        }
    }

    /** Runs every timer that is due. */
    public synchronized void poll() {
        if (ended) {
            updateDeadlineHint();
            return;
        }
        if (lcpOpenPending && clock.nanos() - lcpOpenAt >= 0) {
            openLcpIfPending();
        }
        if (loginWaitingFor() && clock.nanos() - loginDeadline() >= 0) {
            // A link that is set up now carried the client's GRE both ways: its login, not its
            // network, is what did not happen. Not one set up once and being negotiated again
            // (link stays set after a renegotiation began): that may stall on the network.
            fail(phase == SessionPhase.AUTHENTICATE ? SessionEnd.LOGIN_TIMEOUT : SessionEnd.LCP_TIMEOUT, "no login within "
                    + LOGIN_DEADLINE.toSeconds() + " s of the call (" + authExchanges + " login exchange"
                    + (authExchanges == 1 ? "" : "s") + " begun)");
        }
        if (networkWaitsFor != null && (clock.nanos() - networkHeldUntil >= 0 || !networkWaitsFor.getAsBoolean())) {
            networkWaitsFor = null;
            ByteBuffer ccpWaiting = heldCcp;
            heldCcp = null;
            if (end.reason() == null && phase == SessionPhase.AUTHENTICATE) {
                networkPhase();
                if (ccpWaiting != null) {
                    control(PppProtocol.CCP, ccpWaiting);
                }
            }
        }
        lcp.peerReceiptsSoFar(channel.acknowledgementsAdvanced());
        lcp.outputHeld(channel.outputHeld());
        lcp.poll();
        if (auth != null) {
            auth.poll();
        }
        if (ipcp != null) {
            ipcp.poll();
        }
        if (ccp != null) {
            ccp.poll();
        }
        updateDeadlineHint();
    }

    /**
     * Whether a timer may be due at {@code now}, without taking the lock: false only when the
     * earliest deadline known since the last change is later (or there is none). The timer tick
     * calls {@link #poll()} only for sessions where this is true.
     */
    public boolean timerDue(long now) {
        long hint = deadlineHint;
        return hint != Long.MAX_VALUE && now - hint >= 0;
    }

    private void updateDeadlineHint() {
        OptionalLong next = ended ? OptionalLong.empty() : nextDeadline();
        deadlineHint = next.isPresent() ? next.getAsLong() : Long.MAX_VALUE;
    }

    /** The earliest time {@link #poll()} has work, in clock nanos, or empty. */
    public synchronized OptionalLong nextDeadline() {
        OptionalLong next = lcpOpenPending ? OptionalLong.of(lcpOpenAt) : lcp.deadline();
        if (loginWaitingFor()) {
            next = Clock.earliest(next, OptionalLong.of(loginDeadline()));
        }
        if (auth != null) {
            next = Clock.earliest(next, auth.deadline());
        }
        if (ipcp != null) {
            next = Clock.earliest(next, ipcp.deadline());
        }
        if (ccp != null) {
            next = Clock.earliest(next, ccp.deadline());
        }
        if (networkWaitsFor != null) { // what it waits for is asked at each tick, up to the limit
            next = Clock.earliest(next, OptionalLong.of(Math.min(networkHeldUntil, clock.nanos() + NETWORK_HOLD_RECHECK)));
        }
        return next;
    }

    /**
     * Hang up from this side: LCP Terminate-Request, then the call is cleared (§3.7). The peer is
     * told {@code why} too, in the Terminate-Request ("disconnected by the administrator"): say there
     * nothing its user may not read, or use {@link #close(String, String)}.
     */
    public synchronized void close(String why) {
        close(why, why);
    }

    /**
     * {@link #close(String)}, telling the peer {@code toldPeer} rather than the administrator's
     * {@code why}, which may hold details for this router's eyes only (an error's text).
     */
    public synchronized void close(String why, String toldPeer) {
        if (ended) {
            return;
        }
        LOG.info("{}: closing the link: {}", id, why);
        end.closingBecause(why);
        closeLcp(toldPeer);
        updateDeadlineHint();
    }

    /** Ends the session from this side for {@code reason} (LCP Terminate-Request, then the call is cleared). */
    public synchronized void refuse(SessionEnd reason, String detail) {
        if (ended) {
            return;
        }
        LOG.warn("{}: ending the session: {} ({})", id, reason.description(settings.role()), detail);
        failureLogged = true;
        fail(reason, detail);
        updateDeadlineHint();
    }

    /**
     * {@link #refuse}, unless the session has logged in by now (a login in progress that was asked
     * to give way, but finished first). Its log line is the session's end (within a budget): a
     * flood of logins causes these at will.
     *
     * @return false when it logged in and stays; true when it is ending (or had ended)
     */
    public synchronized boolean refuseUnlessAuthenticated(SessionEnd reason, String detail) {
        if (ended) {
            return true;
        }
        if (everAuthenticated) {
            return false;
        }
        fail(reason, detail);
        updateDeadlineHint();
        return true;
    }

    /**
     * The PPTP call went away under the link: no Terminate exchange is possible.
     *
     * @param lostBecause why its control connection was lost (no Echo-Reply, RFC 2637 §2.4; a reset;
     *     a garbled message), or null when the call was cleared or the connection stopped in order
     *     (Call-Clear-Request §2.12, Stop-Control-Connection-Request §2.3): only a loss is a failure
     */
    public synchronized void lowerLayerGone(String lostBecause) {
        lowerLayerGone(lostBecause, null);
    }

    /** As {@link #lowerLayerGone(String)}; {@code clearedBecause}, if not null, the detail of a cleared call. */
    public synchronized void lowerLayerGone(String lostBecause, String clearedBecause) {
        if (ended) {
            return;
        }
        end.callGone(lostBecause, clearedBecause, phase, ipWasUp);
        lcp.lowerLayerDown();
        finish();
        updateDeadlineHint();
    }

    /** How often a held network phase looks again whether it may start. */
    private static final long NETWORK_HOLD_RECHECK = java.time.Duration.ofMillis(100).toNanos();

    /** How often {@link #checkAlive} asks: three unanswered in a row end the session in 3 s. */
    static final java.time.Duration CHECK_INTERVAL = java.time.Duration.ofSeconds(1);

    /**
     * Asks the peer at once whether it still answers (LCP Echo-Requests every {@link
     * #CHECK_INTERVAL}), instead of at the next keepalive: a session that another of its
     * account's sessions may be replacing (a laptop that lost this one and dialled again) would
     * otherwise hold what the new one needs (its static address) for up to a minute. A peer that
     * answers is left alone (anything it sends already tells {@link #beingChecked} it lives); one
     * that does not ends as {@link SessionEnd#PEER_DEAD} within seconds. Nothing happens on a link
     * that is not open.
     */
    public synchronized void checkAlive(String because) {
        if (ended || !lcp.checkPeerNow(CHECK_INTERVAL)) {
            return;
        }
        framesAtCheck = framesReceived.sum();
        checkedBecause = because;
        LOG.info("{}: asking {} whether it still answers: {}", id, channel.peerAddress().getHostAddress(), because);
        updateDeadlineHint();
    }

    /** How long the peer has sent nothing, at {@code now} (clock nanos), to a tenth of a second. Lock-free. */
    public long silentNanos(long now) {
        return Math.max(0, now - lastHeardNanos);
    }

    /**
     * Whether the peer has sent nothing for longer than an LCP echo interval and a half, at {@code
     * now}: a live peer answers each echo request (RFC 1661 §5.8), so this one missed at least one.
     * False without a keepalive. Lock-free.
     */
    public boolean notAnswering(long now) {
        long interval = settings.lcp().echoInterval().toNanos();
        return interval > 0 && silentNanos(now) > interval + interval / 2;
    }

    /** Whether the session has ended. Lock-free. */
    public boolean hasEnded() {
        return ended;
    }

    /** Whether {@link #checkAlive} asked and the peer has sent nothing since, the session still on. Lock-free. */
    public boolean beingChecked() {
        return checkedBecause != null && !ended && framesReceived.sum() == framesAtCheck;
    }

    /**
     * Called from {@link SessionListener#authenticated}: the network phase (CCP, IPCP) starts only
     * once {@code waitsFor} turns false, or after {@code most} at the latest. Meanwhile the client's
     * latest CCP and IPCP requests are kept and answered when it starts, as if they came then.
     */
    public synchronized void holdNetworkPhase(java.time.Duration most, java.util.function.BooleanSupplier waitsFor) {
        networkHeldUntil = clock.nanos() + most.toNanos();
        networkWaitsFor = waitsFor;
    }

    /**
     * Ends the session for {@code reason} without a word to the peer: no LCP Terminate-Request,
     * which would reach whoever now answers to this call's GRE (a client that dialled again with
     * the same call ID: its new link would take it for its own and hang up). The call is cleared
     * on its own control connection as usual.
     */
    public synchronized void endSilently(SessionEnd reason, String detail) {
        if (ended) {
            return;
        }
        end.override(reason, detail);
        lcp.lowerLayerDown();
        finish();
        updateDeadlineHint();
    }

    /**
     * While the session logs in (server side): whether it waits on the client without an answer,
     * that is the link is not set up yet (LCP), or the client has not answered this link's login
     * request: no Response to the CHAP Challenge (RFC 1994 §4.1), no PAP Authenticate-Request
     * (RFC 1334 §2.2.1). A client whose password was refused with a retry allowed (MS-CHAPv2 R=1)
     * has answered: its user may be typing a new one. Read without the session's lock, for {@link
     * PppSessions}, which asks holding a lock of its own that is taken under this one.
     */
    public boolean loginUnanswered() {
        return !loginAnswered;
    }

    /** A server still waiting for the client to log in, before its {@link #LOGIN_DEADLINE}. */
    private boolean loginWaitingFor() {
        return settings.role() == SessionRole.SERVER && !everAuthenticated && end.reason() == null && !ended;
    }

    private long loginDeadline() {
        return startedNanos + LOGIN_DEADLINE.toNanos();
    }

    // ---- phases ---------------------------------------------------------------------------

    private final class LinkEvents implements LcpListener {
        @Override
        public void linkUp(LinkConfiguration configuration) {
            link = configuration;
            phase = SessionPhase.AUTHENTICATE;
            LOG.debug("{}: LCP up: {}", id, configuration);
            Optional<AuthMethod> method = settings.role() == SessionRole.SERVER
                    ? configuration.peerAuthentication() : configuration.selfAuthentication();
            if (method.isEmpty()) {
                if (settings.role() == SessionRole.SERVER) {
                    // LCP only opens without authentication if the policy allowed none; ours never does.
                    fail(SessionEnd.AUTH_METHOD_REFUSED, "LCP opened without an authentication protocol");
                    return;
                }
                Optional<String> wanted = end.serverWantedAnotherLogin();
                if (settings.credentials().isPresent() && wanted.isPresent()) {
                    fail(SessionEnd.AUTH_METHOD_UNSUPPORTED, wanted.get());
                    return;
                }
                if (settings.credentials().isPresent()) {
                    // A client with credentials logs in with MS-CHAPv2, whose authenticator response
                    // is the only proof of the server's identity (RFC 2759 §8.8). A server that asks
                    // for no login proves nothing: anyone answering on its address would get the
                    // link, in clear where encryption is merely optional.
                    fail(SessionEnd.SERVER_NOT_VERIFIED, "it did not ask this router to log in (LCP opened without"
                            + " an authentication protocol)");
                    return;
                }
                networkPhase();
                return;
            }
            Authentication a = new Authentication(settings.auth(), clock, env.random());
            ControlPacketSender s = sender(method.get().protocol());
            logins.exchangeStarts();
            auth = settings.role() == SessionRole.SERVER
                    ? a.authenticator(method.get(), logins.guarded(env.users(),
                            name -> listener.refusesLogin(PppSession.this, name)), settings.localName(), s,
                            PppSession.this::authFinished, 1 + 64 * (authExchanges++ % 4))
                    : a.peer(method.get(), settings.credentials().orElseThrow(), s, PppSession.this::authFinished);
            loginAnswered = false;
            auth.start();
        }

        @Override
        public void linkDown() {
            // The link's authentication exchange ends with it (RFC 1661 §3.5: it belongs to the link
            // as negotiated). Left running, it kept retransmitting its Challenge after an LCP
            // renegotiation, and the peer's answer to it could be judged against the new exchange's
            // Challenge (a false failure), or its late success start the network phase under a
            // link that was not open.
            auth = null;
            loginAnswered = false; // the next link asks afresh
            // Only a renegotiation is an "IP down" (the dial-out then waits for IP to come back);
            // a link that is ending says so once, in ended.
            leaveNetworkPhase(lcp.renegotiating());
            if (!ended) {
                phase = SessionPhase.TERMINATE;
            }
        }

        @Override
        public void lowerLayerNeeded() {
        }

        @Override
        public void lowerLayerFinished() {
            end.lcpFinished(phase);
            finish();
        }

        /**
         * RFC 1661 §5.7: a Protocol-Reject is the RXJ- event of the protocol it names. A peer that
         * rejects CCP will never encrypt: telling CCP now ends a session that requires MPPE at once,
         * instead of after CCP's ten unanswered Configure-Requests (30 s).
         */
        @Override
        public void protocolRejected(int protocol) {
            if (protocol == PppProtocol.CCP && ccp != null) {
                ccp.protocolRejected();
            }
        }

        @Override
        public void largeFramesLost(OptionalInt largestDelivered, int tried) {
            pathMtuTrouble(largestDelivered, tried);
        }

        @Override
        public void linkFailed(LinkFailure failure) {
            switch (failure) {
                case KEEPALIVE_TIMEOUT ->
                        end.keepaliveRanOut(framesReceived.sum() == framesAtCheck ? checkedBecause : null);
                case AUTHENTICATION_REFUSED -> end.authenticationRefused();
                case LOOPED_BACK -> end.record(SessionEnd.HUNG_UP, "the link is looped back");
            }
        }
    }

    private void authFinished(AuthResult result) {
        switch (result) {
            case AuthResult.Success s -> {
                logins.succeeded(s.userName());
                if (userName != null && !userName.equals(s.userName())) {
                    peerAddress.giveBack(); // logged in again as someone else: not theirs to keep
                }
                userName = s.userName();
                keyMaterial = s.keyMaterial().orElse(null);
                LOG.info("{}: {} authenticated with {}", id, s.userName(), s.method());
                everAuthenticated = true;
                networkWaitsFor = null;
                listener.authenticated(this, s.userName());
                if (end.reason() == null && networkWaitsFor == null) { // the listener may refuse it, or hold it
                    networkPhase();
                }
            }
            case AuthResult.Failure f -> {
                userName = logins.shownAs(f);
                failedOnAnAccount = logins.namedAnAccount(f);
                SessionEnd reason = logins.endOf(f);
                String why = logins.why(f);
                List<AuthFailureLockout.Lockout> begun = logins.failureCounted(f, reason);
                // The one line a failed login gets, and one per lockout it began; once written (or a
                // stranger's guess counted in the budget its end would be counted in again), the
                // session's end is logged at debug only (else it has its own budget's chance).
                failureLogged = FAILED_LOGINS.failed(id, userName, failedOnAnAccount, everAuthenticated, why, begun);
                fail(reason, why + LoginLookups.lockoutsBegun(begun));
            }
        }
    }

    private void networkPhase() {
        phase = SessionPhase.NETWORK;
        if (encryptionWanted()) {
            if (keyMaterial == null) {
                // MPPE keys come from MS-CHAPv2 only (RFC 3079): PAP or CHAP-MD5 cannot give any.
                if (encryptionRequired()) {
                    fail(SessionEnd.ENCRYPTION_REFUSED, "encryption is required but "
                            + (auth == null ? "no authentication" : auth.method()) + " yields no MPPE keys; allow"
                            + " MS-CHAPv2 only");
                    return;
                }
            } else {
                ccp = new Ccp(id, settings.mppe().get(), AutomatonSettings.DEFAULTS, clock, sender(PppProtocol.CCP),
                        new EncryptionEvents());
                ccp.lowerLayerUp();
                ccp.open();
                // IPCP waits for CCP (see openIpcp).
                return;
            }
        }
        openIpcp();
    }

    /**
     * The session's IPCP settings. A server whose settings name no DNS server offers the host's own
     * (RFC 1877): a client offered none has no name service through the tunnel (Android's built-in
     * client uses only the servers the link gives it), and stock clients ask for them every time.
     */
    private IpcpSettings ipcpSettings() {
        IpcpSettings s = settings.ipcp();
        if (settings.role() != SessionRole.SERVER || s.primaryDns() != null) {
            return s;
        }
        List<Inet4Address> host = env.hostNameServers().get();
        return host.isEmpty() ? s : s.withDns(host.getFirst(), host.size() > 1 ? host.get(1) : null);
    }

    /**
     * Starts IPCP. With MPPE in play only once CCP has settled: pppd with require-mppe starts no
     * other NCP until CCP is Opened (auth.c start_networks, "don't start any other NCPs until CCP
     * is up") and answers an earlier IPCP Configure-Request with Terminate-Ack, which costs a
     * whole restart period (3 s) before our IPCP tries again. Windows also runs CCP first. RFC 3078
     * §4 needs no IP before CCP anyway, so nothing is lost by waiting.
     */
    private void openIpcp() {
        if (ipcp != null || ended || phase != SessionPhase.NETWORK) {
            return;
        }
        // The server assigns the client's address from the pool; the client takes the server's own
        // address as given (IPCP with no allocator, RFC 1332 §3.3).
        PeerAddressAllocator allocator = settings.role() == SessionRole.SERVER
                ? peerAddress.allocator(() -> userName, () -> finishing || ended) : null;
        ipcp = new Ipcp(id, ipcpSettings(), clock, allocator, sender(PppProtocol.IPCP), new IpEvents());
        if (ownAddressHad != null) {
            // The link was renegotiated: ask for the address we had (RFC 1332 §3.3), not 0.0.0.0,
            // or a server that would keep it for us may give another and break our connections.
            ipcp.askForAddress(ownAddressHad);
        }
        ipcp.lowerLayerUp();
        ipcp.open();
        ByteBuffer early = earlyIpcp;
        earlyIpcp = null;
        if (early != null) {
            ipcp.receive(early);
        }
    }

    private static ByteBuffer copyOf(ByteBuffer information) {
        ByteBuffer copy = ByteBuffer.allocate(information.remaining());
        copy.put(information.duplicate()).flip();
        return copy;
    }

    private boolean encryptionWanted() {
        return settings.mppe().isPresent();
    }

    private boolean encryptionRequired() {
        return settings.mppe().map(MppePolicy::required).orElse(false);
    }

    private final class IpEvents implements IpcpListener {
        @Override
        public void ipUp(IpcpConfiguration configuration) {
            ipConfiguration = configuration;
            if (settings.role() == SessionRole.CLIENT) {
                configuration.localAddress().ifPresent(a -> ownAddressHad = a);
            }
            LOG.info("{}: IPCP up: us {} peer {}", id, configuration.localAddress().map(Inet4Address::getHostAddress).orElse("?"),
                    configuration.peerAddress().map(Inet4Address::getHostAddress).orElse("?"));
            maybeStartIp();
        }

        @Override
        public void ipDown() {
            stopIp();
        }

        /**
         * IPCP gave up (the peer terminated it, or it could not be negotiated): with no network
         * protocol left the link has no use, so it goes, as pppd's np_finished closes LCP ("No
         * network protocols running"). Otherwise the session, and its pool address, would live on
         * on keepalives alone. A session that is ending anyway keeps its own reason.
         */
        @Override
        public void finished() {
            if (!ended) {
                fail(SessionEnd.HUNG_UP, "no network protocols running (IPCP closed)");
            }
        }

        @Override
        public void addressPoolExhausted() {
            if (settings.role() == SessionRole.CLIENT) {
                LOG.warn("{}: the remote server has no tunnel address to give this router", id);
                failureLogged = true;
                fail(SessionEnd.NO_ADDRESS, "the remote server answered this router's request for a tunnel address"
                        + " with none (0.0.0.0): its address pool is full, or it has none set for this account");
                return;
            }
            LOG.warn("{}: no tunnel address left in the pool", id);
            failureLogged = true; // one line for it, not a second at the end
            fail(SessionEnd.NO_ADDRESS, "the address pool is exhausted");
        }
    }

    private final class EncryptionEvents implements CcpListener {
        @Override
        public void encryptionUp(CcpResult result) {
            agreed = result;
            LOG.info("{}: MPPE {} {} up", id, result.strength(), result.stateless() ? "stateless" : "stateful");
            openIpcp();
            maybeStartIp();
        }

        @Override
        public void openedWithoutEncryption() {
            LOG.info("{}: CCP open without encryption (the policy allows it)", id);
            ccpOpenedClear = true;
            openIpcp();
            maybeStartIp();
        }

        @Override
        public void encryptionDown() {
            if (ccpOpenedClear && !ccp.renegotiating()) {
                // CCP, open without encryption, ends (the peer's Terminate-Request): nothing was
                // encrypted, so nothing is held back; its finish (NOT_NEGOTIATED) lets IP go on in
                // clear as it is, rather than down for the Terminate's restart period.
                return;
            }
            // No cleartext may slip through while CCP renegotiates (RFC 3078 §4): the data path
            // stops until CCP is Opened again and is then built for what it agreed (encryptionUp,
            // openedWithoutEncryption, or a failure that lets it go on in clear). IPCP stays Opened
            // and keeps its configuration: clearing it left IP down for good, as no IPCP Up
            // comes to set it again. Encryption that was up never comes back (Ccp fails instead).
            ccpOpenedClear = false;
            stopDataPath(true);
        }

        @Override
        public void failed(CcpFailure failure) {
            // Directions that disagree are fatal even with encryption optional: one of them encrypts,
            // and continuing in clear left a tunnel whose one side sent what the other dropped.
            boolean fatal = encryptionRequired() || failure == CcpFailure.ENCRYPTION_STOPPED
                    || failure == CcpFailure.RESET_UNANSWERED || failure == CcpFailure.DIRECTIONS_DISAGREE;
            if (fatal) {
                LOG.warn("{}: encryption failed: {}", id, failure.description());
                failureLogged = true; // one line for it, not a second at the end
                // A failure after MPPE was up is no mismatch and no hang-up either: the peer's
                // encryption stopped (RFC 3078 §4: no cleartext may follow) or fell out of step
                // (stateful MPPE whose Reset-Requests go unanswered, RFC 3078 §8). Recorded as
                // such, so the owner is not told that the link was closed normally.
                if (failure.encryptionMismatch()) {
                    fail(SessionEnd.ENCRYPTION_REFUSED, failure.description() + end.peerOfferedEncryption(ccp));
                } else {
                    fail(SessionEnd.ENCRYPTION_LOST, end.encryptionLost(failure));
                }
            } else {
                LOG.info("{}: continuing without encryption: {}", id, failure.description());
                ccpOpenedClear = true;
                openIpcp();
                maybeStartIp();
            }
        }

        @Override
        public void peerRequestedReset() {
            MppeEncryptor e = encryptor;
            if (e != null) {
                e.resetRequested();
            }
        }
    }

    /** pppd's stand-in for a remote address nobody named (ipcp.c, ipcp_up): 10.64.64.64. */
    private static final byte[] PLACEHOLDER_PEER = {10, 64, 64, 64};

    /**
     * The tunnel device's peer address when the server named none: pppd's 10.64.64.64, or the
     * next one when that is our own address (a point-to-point link's two ends must differ).
     */
    static Inet4Address placeholderPeer(Inet4Address local) {
        byte[] octets = PLACEHOLDER_PEER.clone();
        if (java.util.Arrays.equals(octets, local.getAddress())) {
            octets[3]++;
        }
        try {
            return (Inet4Address) java.net.InetAddress.getByAddress(octets);
        } catch (java.net.UnknownHostException e) {
            throw new AssertionError(e); // four octets are always an address
        }
    }

    /** IP may flow once IPCP is up and, where encryption was negotiated, CCP is up too (RFC 3078 §4). */
    private void maybeStartIp() {
        if (ipConfiguration == null || ipPath != null || ended) {
            return;
        }
        if (ccp != null && agreed == null && !ccpOpenedClear) {
            return;
        }
        Inet4Address local = ipConfiguration.localAddress().orElse(null);
        Inet4Address peer = ipConfiguration.peerAddress().orElse(null);
        if (local != null && peer == null && settings.role() == SessionRole.CLIENT) {
            // RFC 1332 §3.3 lets the server leave its own IP-Address out of its request, and some
            // do: its address is then unknown. The tunnel device still wants a peer address, so it
            // gets a stand-in, as pppd's ipcp_up does ("Could not determine remote IP address:
            // defaulting to 10.64.64.64"). Nothing is addressed to it: the routes into the tunnel
            // name the device. ipConfiguration() keeps the server's address unknown ("?" to the
            // user), not the stand-in. A server missing the client's address still fails below:
            // it assigns that address, so not having one is a fault of ours.
            peer = placeholderPeer(local);
            LOG.warn("{}: the remote server did not name its own tunnel address (RFC 1332 allows this);"
                    + " the tunnel interface gets {} as a stand-in peer address, as pppd does. Traffic flows"
                    + " all the same: the routes into the tunnel go by the interface, not by the server's address",
                    id, peer.getHostAddress());
        }
        if (local == null || peer == null) {
            // Which one. Only a server gets here with its own address and not the peer's (a client
            // has the stand-in above): the client's, which this router assigns.
            fail(SessionEnd.NO_ADDRESS, local == null && peer == null ? "IPCP came up without either address"
                    : local == null ? "IPCP came up without this router's own address"
                    : "IPCP came up without an address for the client");
            return;
        }
        if (ipWasUp) {
            if (ipRestarts == null) {
                ipRestarts = new TokenBucket(IP_RESTART_BURST, IP_RESTARTS_PER_MINUTE, clock.nanos());
            }
            if (!ipRestarts.take(clock.nanos())) {
                LOG.warn("{}: the client renegotiated {} times in quick succession, then again within 10 s;"
                        + " hanging up", id, IP_RESTART_BURST);
                failureLogged = true;
                fail(SessionEnd.RESTARTED_TOO_OFTEN, IP_RESTART_BURST
                        + " renegotiations in quick succession, then another within 10 s");
                return;
            }
        }
        // MRU bounds the Information field (RFC 1661 §6.1). MPPE puts its header and the inner
        // protocol field there before the IP packet (RFC 3078 §3): 4 octets less for IP, as pppd
        // (MPPE_PAD) and accel-ppp leave. A full-size packet would otherwise exceed the peer's MRU.
        int mtu = Math.min(link.transmitMru(), link.receiveMru()) - (agreed == null ? 0 : MPPE_OVERHEAD);
        try {
            device = env.devices().open(new TunnelConfig(settings.deviceName(), local, peer, Math.max(576, mtu)));
            deviceHad = device.name();
        } catch (IOException | RuntimeException e) {
            LOG.error("{}: cannot create the tunnel interface: {}", id, e.toString());
            failureLogged = true; // one line for it, not a second at the end
            fail(SessionEnd.DEVICE_FAILED, e.getMessage());
            return;
        }
        if (agreed == null) {
            encryptor = null;
            decryptor = null;
        } else if (ciphersFor != agreed) {
            MppeStartKeys keys = MppeStartKeys.fromPasswordHashHash(keyMaterial.passwordHashHash(),
                    keyMaterial.ntResponse(), settings.role() == SessionRole.SERVER);
            encryptor = agreed.newEncryptor(keys);
            decryptor = agreed.newDecryptor(keys, clock);
            ciphersFor = agreed;
        }
        // else IPCP came back (renegotiated) while CCP stayed up: the key streams go on where they
        // were. New ones from the same start keys would encrypt new data with used key stream.
        Ccp negotiator = ccp;
        IpDataPath path = new IpDataPath(channel, device, encryptor, decryptor, link.transmitCompression(),
                link.transmitMru(), new IpDataPath.Events() {
                    @Override
                    public void resetRequired() {
                        requestReset(negotiator);
                    }

                    @Override
                    public void tooManyBadPackets() {
                        encryptionOutOfStep(negotiator);
                    }
                }, traffic);
        ipPath = path;
        ipWasUp = true;
        TunnelDevice started = device;
        device.start(new IpPacketSink() {
            @Override
            public void onIpPacket(ByteBuffer packet) {
                path.fromTunnel(packet);
            }

            @Override
            public void endOfBurst() {
                path.endOfBurst();
            }

            @Override
            public void deviceFailed(String reason) {
                tunnelDeviceFailed(started, reason);
            }
        });
        LOG.info("{}: session up on {} ({} -> {}, MTU {}, {})", id, device.name(), local.getHostAddress(),
                peer.getHostAddress(), mtu, agreed == null ? "unencrypted" : "MPPE " + agreed.strength()
                        + (agreed.stateless() ? " stateless" : " stateful"));
        listener.up(this);
        // Only now: IP flows, and a path that loses large frames would make exactly this session
        // hang on anything bigger than a ping.
        lcp.probePath();
    }

    /**
     * The path probe found large frames lost between the peer and us (see {@code PathProbe}). The
     * session stays up; the tunnel device's MTU drops to what crossed, so the OS clamps TCP MSS and
     * tells LAN hosts "fragmentation needed" instead of their packets vanishing; and the owner
     * hears of it, to say so on the dashboard.
     */
    private void pathMtuTrouble(OptionalInt largestDelivered, int tried) {
        // An LCP packet of n octets crossed: an IP packet rides with at most 4 more (protocol
        // field, and MPPE's header with the inner protocol, RFC 3078 §3), so n - 4 fits.
        int fits = largestDelivered.orElse(0) - 4;
        String lowered = "";
        if (fits >= 576 && device != null && device.setMtu(fits)) {
            lowered = "; the tunnel MTU was lowered to " + fits + " for this session";
        }
        problem = SessionProblem.MTU_TROUBLE;
        problemDetail = tried + "-octet frames are lost between the client and this router; the largest that crossed: "
                + (largestDelivered.isPresent() ? largestDelivered.getAsInt() + " octets" : "none above 128 octets")
                + lowered;
        LOG.warn("{}: {}: {}", id, problem.description(), problemDetail);
        listener.problem(this, problem, problemDetail);
    }

    /**
     * Routes {@code network/prefixLength} into this session's tunnel device (site-to-site: the
     * subnets behind the peer). The routes go when the device does, at the session's end.
     *
     * @throws IllegalStateException if IP is not up (no device yet) or the session has ended
     */
    public void addRoute(Inet4Address network, int prefixLength) throws IOException {
        TunnelDevice routed;
        synchronized (this) {
            if (device == null || ended) {
                throw new IllegalStateException(id + ": no tunnel device to route into");
            }
            routed = device;
        }
        // Not under the session's lock: the OS takes milliseconds (iproute2), and meanwhile the
        // data path's thread, shared by every tunnel, would wait on this lock for the session's
        // next control frame. A device closed in between refuses (TunnelDevice#addRoute).
        routed.addRoute(network, prefixLength);
    }

    /** Something wrong that did not end the session (large frames lost), or empty. */
    public Optional<SessionProblem> problem() {
        return Optional.ofNullable(problem);
    }

    /** The measured detail of {@link #problem()}, "" without one. */
    public String problemDetail() {
        return problemDetail;
    }

    private void requestReset(Ccp negotiator) {
        // Called from the GRE receive thread by the data path: CCP is control traffic, take the lock.
        synchronized (this) {
            if (negotiator != null && negotiator == ccp) {
                negotiator.requestReset();
            }
            updateDeadlineHint();
        }
    }

    /** The data path dropped too many packets that do not decrypt: the peer's MPPE is out of step. */
    private synchronized void encryptionOutOfStep(Ccp negotiator) {
        if (ended || negotiator != ccp) {
            return;
        }
        String peer = settings.role() == SessionRole.CLIENT ? "the remote server's" : "the client's";
        LOG.warn("{}: too many packets that do not decrypt: ending the session", id);
        failureLogged = true; // one line for it, not a second at the end
        fail(SessionEnd.ENCRYPTION_LOST, "too many of " + peer + " packets failed to decrypt: its encryption is out"
                + " of step with this router's");
        updateDeadlineHint();
    }

    /** The OS took the interface away: hang up properly (LCP Terminate) so the client knows at once. */
    private synchronized void tunnelDeviceFailed(TunnelDevice failed, String reason) {
        if (ended || failed != device) {
            return;
        }
        LOG.warn("{}: tunnel interface {} failed ({}): ending the session", id, failed.name(), reason);
        failureLogged = true; // one line for it, not a second at the end
        fail(SessionEnd.DEVICE_FAILED, failed.name() + ": " + reason);
        updateDeadlineHint();
    }

    private void stopIp() {
        stopIp(true);
    }

    /** IP stops: the data path, and what IPCP negotiated (IPCP went down, or the network phase ended). */
    private void stopIp(boolean reportDown) {
        stopDataPath(reportDown);
        ipConfiguration = null;
    }

    /** The data path and its tunnel device stop; IPCP's configuration stays, for {@link #maybeStartIp}. */
    private void stopDataPath(boolean reportDown) {
        boolean wasUp = ipPath != null;
        ipPath = null;
        if (device != null) {
            device.close();
            device = null;
        }
        if (wasUp && reportDown && !finishing) {
            listener.ipDown(this);
        }
    }

    private void leaveNetworkPhase(boolean reportIpDown) {
        networkWaitsFor = null; // a network phase held for a link that went down starts with no link
        heldCcp = null;
        stopIp(reportIpDown);
        if (ccp != null) {
            ccp.lowerLayerDown();
            ccp = null;
        }
        agreed = null;
        ciphersFor = null;
        ccpOpenedClear = false;
        earlyIpcp = null;
        if (ipcp != null) {
            // Down gives the peer's address up, whatever state IPCP was in (see Ipcp): the session
            // keeps it for the next IPCP, or gives it back to the pool when finishing (PeerAddressAssignment).
            ipcp.lowerLayerDown();
            ipcp = null;
        }
    }

    private void fail(SessionEnd reason, String detail) {
        end.record(reason, detail);
        closeLcp(TerminateWords.of(reason, settings.role()));
    }

    /**
     * LCP Close (RFC 1661 §3.7), its Terminate-Request saying {@code toldPeer} (§5.5). An LCP not
     * opened yet (the client has not spoken) has nothing to terminate, and Close in Closed is no
     * event (§4.1): the session ends at once.
     */
    private void closeLcp(String toldPeer) {
        if (lcpOpenPending) {
            lcpOpenPending = false;
            finish();
            return;
        }
        lcp.close(toldPeer);
    }

    private void finish() {
        if (ended) {
            return;
        }
        finishing = true; // IP stops for good: no ipDown, ended says it all
        leaveNetworkPhase(false); // IPCP gives its address back to the pool
        peerAddress.giveBack(); // as does the session, if it kept one through a renegotiation
        ended = true;
        phase = SessionPhase.DEAD;
        SessionEnd reason = end.settle(ipWasUp);
        end.peerLastHeard(clock.nanos() - lastHeardNanos);
        String detail = (end.detail().isEmpty() ? "" : " (" + end.detail() + ")")
                + SessionEndLine.facts(userName, deviceHad, clock.nanos() - startedNanos, ipWasUp ? traffic : null);
        if (failureLogged) {
            LOG.debug("{}: session ended: {}{}", id, reason.description(settings.role()), detail);
        } else if (device != null || everAuthenticated) {
            LOG.info("{}: session ended: {}{}", id, reason.description(settings.role()), detail);
        } else {
            // Never logged in: anyone reaching the port can make these as fast as TCP carries calls.
            String more = NEVER_UP_LOGGED.admit();
            if (more != null) {
                LOG.info("{}: session ended: {}{}{}", id, reason.description(settings.role()), detail, more);
            }
        }
        listener.ended(this, reason, end.detail());
    }

    /** Non-printable and non-ASCII characters as \\uXXXX, so a peer cannot forge log lines. */
    static String printable(String s) {
        return org.homerouter.pptp.Printable.of(s);
    }

    // ---- output ---------------------------------------------------------------------------

    /**
     * Frames control packets of one protocol into GRE, with the header compression LCP agreed.
     * Control packets are rare (a handful per session and echo interval), so each gets its own
     * buffer rather than a per-session one that would cost memory on every idle session.
     */
    private ControlPacketSender sender(int protocol) {
        return packet -> {
            HeaderCompression hc = link == null ? HeaderCompression.NONE : link.transmitCompression();
            ByteBuffer out = ByteBuffer.allocate(PppFrame.headerLength(protocol, hc) + ControlPacket.HEADER_LENGTH
                    + packet.data().length);
            PppFrame.writeHeader(out, protocol, hc);
            ControlPacketCodec.encode(packet, out);
            out.flip();
            try {
                channel.send(out);
                end.sent();
            } catch (IOException e) {
                // The transport logs why (once per kind of failure, not per session); the session
                // remembers it for its end (see EndDiagnosis#keepaliveRanOut).
                end.notSent(e);
                LOG.debug("{}: sending {} failed: {}", id, Integer.toHexString(protocol), e.toString());
            }
        };
    }

    // ---- status ---------------------------------------------------------------------------

    public synchronized SessionPhase phase() {
        return phase;
    }

    public String id() {
        return id;
    }

    /** Whether the peer ever logged in on this link (a failed login's name is in {@link #userName} too). */
    public synchronized boolean loggedIn() {
        return everAuthenticated;
    }

    /**
     * Whether the peer's login failed on one of the router's accounts (a wrong password, a disabled
     * or locked-out account), not on a name the router does not know.
     */
    public synchronized boolean failedOnAnAccount() {
        return failedOnAnAccount;
    }

    /** The user name the peer logged in with (or tried to), once known. */
    public synchronized Optional<String> userName() {
        return Optional.ofNullable(userName);
    }

    /**
     * What IPCP negotiated, while IPCP is Opened: kept while CCP negotiates again, when the tunnel
     * device ({@link #deviceName}) is gone for a moment. The addresses stay the session's then (a
     * worker's session is found by its address, to be hung up when the dial-out is given it).
     */
    public synchronized Optional<IpcpConfiguration> ipConfiguration() {
        return Optional.ofNullable(ipConfiguration);
    }

    /**
     * What CCP agreed, while MPPE is up. Without the lock, as {@link #authMethod}: a settings change
     * judges every session by both, and must not wait for one that is busy (ending, say).
     */
    public Optional<CcpResult> encryption() {
        return Optional.ofNullable(agreed);
    }

    /**
     * The authentication protocol of this link's login as LCP agreed it (RFC 1661 §6.2): the peer's
     * on a server, this end's on a client. Empty before LCP is up and while it is negotiated again:
     * the link as renegotiated logs in afresh (RFC 1661 §3.5), maybe with another method.
     */
    public Optional<AuthMethod> authMethod() {
        AuthExchange a = auth;
        return a == null ? Optional.empty() : Optional.of(a.method());
    }

    /**
     * The user's static address when another of its sessions held it as this one's IP was
     * negotiated (an account used from two devices, a redial before the old session ended): this
     * session then has a pool address, which the LAN's rules for the static one do not cover.
     */
    public Optional<Inet4Address> staticAddressHeldElsewhere() {
        return peerAddress.staticHeldElsewhere();
    }

    public synchronized Optional<String> deviceName() {
        return device == null ? Optional.empty() : Optional.of(device.name());
    }

    /** The data path while IP flows. */
    public Optional<IpDataPath> dataPath() {
        return Optional.ofNullable(ipPath);
    }

    /**
     * The IP this session has carried since its call, over every data path it had: these never go
     * back, neither while IP is negotiated again nor after the session ends.
     */
    public TrafficCounters traffic() {
        return traffic;
    }

    public long framesDiscarded() {
        return framesDiscarded.sum();
    }

    /**
     * How many PPP frames the peer's GRE has brought since the session started (those outside the
     * GRE window, in {@link #framesDiscarded} only, aside): none while the call is up means GRE is
     * not getting through, what the Dashboard tells apart from a slow link setup. Lock-free.
     */
    public long framesReceived() {
        return framesReceived.sum();
    }

    public long startedNanos() {
        return startedNanos;
    }

    @Override
    public String toString() {
        return id;
    }
}
