package org.homerouter.pptp.auth;

import org.homerouter.pptp.Clock;
import org.homerouter.pptp.ppp.ControlPacketSender;

/**
 * Builds the {@link AuthExchange} for the method LCP negotiated, so the PPP session needs only:
 * build one when LCP reaches Opened (RFC 1661 §3.5), {@code start()} it, feed it packets of its
 * protocol (0xC023 or 0xC223), {@code poll()} it at its deadline, and act on the {@link AuthResult}
 * (and a later re-authentication's failure, see {@link AuthListener}). The sender given must frame
 * packets with {@link AuthMethod#protocol()}.
 *
 * <p>An exchange for a method the policy does not allow still gets built, and fails at
 * {@code start()} with {@link AuthFailureReason#METHOD_NOT_ALLOWED}, so the session handles every
 * outcome in one place.
 */
public final class Authentication {
    private final AuthPolicy policy;
    private final Clock clock;
    private final RandomSource random;

    /**
     * @param random where challenges come from; {@link RandomSource#secure()} outside tests
     */
    public Authentication(AuthPolicy policy, Clock clock, RandomSource random) {
        this.policy = policy;
        this.clock = clock;
        this.random = random;
    }

    /** The policy the exchanges follow. */
    public AuthPolicy policy() {
        return policy;
    }

    /**
     * Our server checking the peer.
     *
     * @param localName our Name in CHAP Challenges, e.g. the router's host name
     */
    /**
     * As {@link #authenticator(AuthMethod, UserDirectory, String, ControlPacketSender, AuthListener)},
     * whose CHAP or MS-CHAPv2 Challenge starts at Identifier {@code firstIdentifier}: a link's later
     * exchange (after an LCP renegotiation) must not reuse the earlier one's (RFC 1994 §4.1).
     */
    public AuthExchange authenticator(AuthMethod method, UserDirectory directory, String localName,
                                      ControlPacketSender sender, AuthListener listener, int firstIdentifier) {
        AuthExchange exchange = authenticator(method, directory, localName, sender, listener);
        if (exchange instanceof ChapAuthenticator chap) {
            chap.firstIdentifier(firstIdentifier);
        }
        return exchange;
    }

    public AuthExchange authenticator(AuthMethod method, UserDirectory directory, String localName,
                                      ControlPacketSender sender, AuthListener listener) {
        return switch (method) {
            case PAP -> new PapAuthenticator(policy, directory, clock, sender, listener);
            case CHAP_MD5 -> new ChapMd5Authenticator(policy, directory, localName, clock, random, sender, listener);
            case MSCHAP_V2 -> new MsChapV2Authenticator(policy, directory, localName, clock, random, sender, listener);
        };
    }

    /** Our own client proving itself to the peer. */
    public AuthExchange peer(AuthMethod method, PeerCredentials credentials, ControlPacketSender sender,
                             AuthListener listener) {
        return switch (method) {
            case PAP -> new PapPeer(policy, credentials, clock, sender, listener);
            case CHAP_MD5 -> new ChapMd5Peer(policy, credentials, clock, sender, listener);
            case MSCHAP_V2 -> new MsChapV2Peer(policy, credentials, clock, random, sender, listener);
        };
    }
}
