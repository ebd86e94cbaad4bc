package org.homerouter.pptp.auth;

import org.homerouter.pptp.Clock;
import org.homerouter.pptp.ppp.ControlPacketSender;

/**
 * Builds the {@link AuthExchange} for the method LCP negotiated, so the PPP session needs only:
 * build one when LCP reaches Opened (RFC 1661 §3.5), {@code start()} it, feed it packets of its
 * protocol (0xC023 or 0xC223), {@code poll()} it at its deadline, and act on the one
 * {@link AuthResult}. The sender given must frame packets with {@link AuthMethod#protocol()}.
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
