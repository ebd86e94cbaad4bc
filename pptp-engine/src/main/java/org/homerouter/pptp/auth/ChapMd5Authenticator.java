package org.homerouter.pptp.auth;

import java.nio.charset.StandardCharsets;
import java.util.Optional;

import org.homerouter.pptp.Clock;
import org.homerouter.pptp.ppp.ControlPacketSender;

/**
 * Checks a peer with CHAP-MD5 (RFC 1994): a 16-octet random Challenge, the Response must be
 * MD5(Identifier || secret || Challenge) (§4.1) computed with the account's cleartext secret.
 * One Response decides: Success, or Failure after which the link should be terminated (§4.2).
 *
 * <p>Accounts without a stored cleartext secret cannot use CHAP-MD5 and fail with
 * {@link AuthFailureReason#NO_SECRET_FOR_METHOD}. A disabled account, or one holding all the
 * sessions it may, fails only after its secret has been checked, and only then does the Failure's
 * Message say why ({@link RefusalText}): a guesser learns nothing about which names exist.
 */
public final class ChapMd5Authenticator extends ChapAuthenticator {
    /** Challenge Value length; RFC 1994 §2.3 asks only for unique, unpredictable values. */
    public static final int CHALLENGE_LENGTH = 16;
    private static final byte[] GRANTED = "Access granted".getBytes(StandardCharsets.US_ASCII);

    /**
     * @param localName our Name in the Challenge (RFC 1994 §4.1: the system transmitting it)
     */
    public ChapMd5Authenticator(AuthPolicy policy, UserDirectory directory, String localName, Clock clock,
                                RandomSource random, ControlPacketSender sender, AuthListener listener) {
        super(AuthMethod.CHAP_MD5, policy, directory, localName, clock, random, sender, listener);
    }

    @Override
    int challengeLength() {
        return CHALLENGE_LENGTH;
    }

    @Override
    Verdict judge(ChapValuePacket response, byte[] challenge) {
        int id = response.identifier();
        String name = response.nameText();
        if (response.value().length != ChapMd5.RESPONSE_LENGTH) {
            return failure(id, AuthFailureReason.PROTOCOL_ERROR, name,
                    "Response value is " + response.value().length + " octets, MD5 gives 16");
        }
        Optional<PppUser> user;
        try {
            user = directory.resolve(name);
        } catch (UserDirectory.Unreadable e) {
            return failure(id, AuthFailureReason.ACCOUNTS_UNREADABLE, name, e.getMessage());
        }
        if (user.isEmpty()) {
            return failure(id, AuthFailureReason.UNKNOWN_USER, name, "no such user");
        }
        Optional<byte[]> secret = user.get().chapMd5Secret();
        if (secret.isEmpty()) {
            return failure(id, AuthFailureReason.NO_SECRET_FOR_METHOD, name,
                    "account has no cleartext secret, which CHAP-MD5 needs");
        }
        if (!ChapMd5.verify(id, secret.get(), challenge, response.value())) {
            return failure(id, AuthFailureReason.BAD_PASSWORD_691, name, "wrong password");
        }
        if (!user.get().enabled()) {
            return failure(id, AuthFailureReason.ACCOUNT_DISABLED, name, "account disabled");
        }
        Optional<LoginRefusal> refused = directory.refusesNow(user.get());
        if (refused.isPresent()) {
            return failure(id, refused.get().reason(), name, refused.get().why());
        }
        return Verdict.last(new ChapStatusPacket(true, id, GRANTED),
                AuthResult.success(method, user.get().userName()));
    }

    private Verdict failure(int id, AuthFailureReason reason, String name, String message) {
        return Verdict.last(new ChapStatusPacket(false, id, RefusalText.of(reason).getBytes(StandardCharsets.US_ASCII)),
                AuthResult.failure(method, reason, name, message));
    }
}
