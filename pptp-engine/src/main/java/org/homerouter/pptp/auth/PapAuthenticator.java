package org.homerouter.pptp.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Optional;

import org.homerouter.pptp.Clock;
import org.homerouter.pptp.ppp.ControlPacket;
import org.homerouter.pptp.ppp.ControlPacketSender;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Checks a peer with PAP (RFC 1334 §2): waits for an Authenticate-Request, checks the password by
 * computing its NT hash (RFC 2759 §8.3) and comparing it in constant time with the account's, and
 * answers Authenticate-Ack or Authenticate-Nak. The first Request decides; a Nak ends the exchange
 * (§2.2.2: the authenticator "SHOULD take action to terminate the link"). The Nak's Message says
 * why only once the password proved right ({@link RefusalText}).
 *
 * <p>The peer resends its Request, with a new Identifier each time (§2.2.1), until it hears an
 * answer; so once decided, every further Request gets the same answer under its own Identifier,
 * as pppd does. The password is read as UTF-8, which is what Linux, macOS and Android clients send
 * (pppd sends its secret's octets as they are), so it needs no octet-wise NT hash: pppd widens
 * octets only for MS-CHAP. A non-ASCII password typed on a Windows client set to a legacy code
 * page would not match.
 *
 * <p>The authenticator sends nothing first and so has no resend timer; only the overall timeout
 * bounds the wait.
 */
public final class PapAuthenticator extends AbstractAuthExchange {
    private static final Logger log = LoggerFactory.getLogger(PapAuthenticator.class);
    private static final byte[] NO_USER_HASH = new byte[NtPasswordHash.LENGTH];

    private final UserDirectory directory;
    /** Whether the decided answer is an Ack; null until decided. */
    private Boolean acked;
    /** The decided answer's Message, which every resent Request hears again. */
    private String told;

    public PapAuthenticator(AuthPolicy policy, UserDirectory directory, Clock clock, ControlPacketSender sender,
                            AuthListener listener) {
        super(AuthMethod.PAP, policy, clock, sender, listener);
        this.directory = directory;
    }

    @Override
    void begin() {
        log.debug("{}: waiting for Authenticate-Request", this);
    }

    @Override
    void handle(ControlPacket packet) {
        Optional<PapAuthenticateRequest> request = PapAuthenticateRequest.decode(packet);
        if (request.isEmpty()) {
            log.debug("{}: {} is not a valid Authenticate-Request, discarded", this, packet);
            return;
        }
        int id = request.get().identifier();
        if (acked != null) {
            log.debug("{}: Authenticate-Request id {} after the decision, same answer", this, id);
            send(PapAuthenticateReply.of(acked, id, told).toPacket());
            return;
        }
        if (finished()) {
            log.debug("{}: Authenticate-Request id {} after giving up, discarded", this, id);
            return;
        }
        markPeerAnswered();
        AuthResult result = judge(request.get());
        acked = result.succeeded();
        told = result instanceof AuthResult.Failure f ? RefusalText.of(f.reason()) : "Access granted";
        send(PapAuthenticateReply.of(acked, id, told).toPacket());
        finish(result);
    }

    private AuthResult judge(PapAuthenticateRequest request) {
        String name = request.peerIdText();
        byte[] offered = NtPasswordHash.of(new String(request.password(), StandardCharsets.UTF_8));
        Optional<PppUser> user;
        try {
            user = directory.resolve(name);
        } catch (UserDirectory.Unreadable e) {
            return AuthResult.failure(method, AuthFailureReason.ACCOUNTS_UNREADABLE, name, e.getMessage());
        }
        // Compare even for an unknown user, so that the time taken does not tell names apart.
        boolean match = MessageDigest.isEqual(offered, user.map(PppUser::ntHash).orElse(NO_USER_HASH));
        if (user.isEmpty()) {
            return AuthResult.failure(method, AuthFailureReason.UNKNOWN_USER, name, "no such user");
        }
        if (!match) {
            return user.get().previousNtHash().filter(h -> MessageDigest.isEqual(offered, h)).isPresent()
                    ? AuthResult.failure(method, AuthFailureReason.PREVIOUS_PASSWORD, name,
                            "the password from before its last change")
                    : AuthResult.failure(method, AuthFailureReason.BAD_PASSWORD_691, name, "wrong password");
        }
        if (!user.get().enabled()) {
            return AuthResult.failure(method, AuthFailureReason.ACCOUNT_DISABLED, name, "account disabled");
        }
        Optional<LoginRefusal> refused = directory.refusesNow(user.get());
        if (refused.isPresent()) {
            return AuthResult.failure(method, refused.get().reason(), name, refused.get().why());
        }
        return AuthResult.success(method, user.get().userName());
    }
}
