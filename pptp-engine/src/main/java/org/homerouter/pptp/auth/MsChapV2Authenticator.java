package org.homerouter.pptp.auth;

import java.util.Optional;

import org.homerouter.pptp.Clock;
import org.homerouter.pptp.Printable;
import org.homerouter.pptp.ppp.ControlPacketSender;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Checks a peer with MS-CHAPv2 (RFC 2759) from the account's NT hash alone: a 16-octet random
 * Challenge (§3); the Response's NT-Response is verified with {@link MsChapV2#verify} (§8.1); a
 * Success carries {@code S=<authenticator response> M=...} (§5, §8.7) and the result carries the
 * MPPE key material (RFC 3079 §3).
 *
 * <p>Failures follow RFC 2759 §6 as Windows reads them:
 * <ul>
 * <li>wrong password, and unknown user too: {@code E=691}. An unknown name gets exactly the same
 *     answer as a wrong password (pppd and Windows servers also say 691), so the wire does not tell
 *     a guesser which names exist; the result still says {@link AuthFailureReason#UNKNOWN_USER}
 *     for the administrator. While {@link AuthPolicy#maxAttempts()} allows, the Failure says
 *     {@code R=1} with a fresh challenge in {@code C=}, and a Response with the Failure's
 *     Identifier plus one is judged against that challenge (the Identifier rule RFC 2759 §7 gives
 *     for the Change-Password packet that also answers a Failure); the last allowed attempt gets
 *     {@code R=0}.</li>
 * <li>disabled account with the right password: {@code E=647 R=0 M=Account disabled}
 *     (ERROR_ACCT_DISABLED, which Windows shows as "the account is disabled"). 649 would tell the
 *     user the account lacks dial-in permission and send them to the wrong setting. The password
 *     is checked first, so only someone who knows it learns that the account is disabled; a wrong
 *     password on a disabled account is a plain 691.</li>
 * <li>the right password for an account that holds as many sessions as it may
 *     ({@link UserDirectory#refusesNow}): {@code E=649 R=0}, with {@code M=} saying so. RFC 2759
 *     has no code of its own for it, and 649 is the one that tells the user to ask the
 *     administrator rather than to type the password again.</li>
 * <li>the right password for an account that logged in more often lately than it may
 *     ({@link AuthFailureReason#LOGIN_RATE}): {@code E=649 R=0} too, with {@code M=} saying so
 *     and that waiting mends it. Of the codes RFC 2759 §6 lists, 691 would tell the user the
 *     password is wrong (it is right; a client may ask for it again, and a dialling router counts
 *     it toward giving up); 647 and 648 are untrue (not disabled, not expired, and 648 invites a
 *     password change); 646 says the account is barred at this time of day, a logon-hours rule
 *     this router does not have, which would send the owner looking for one. 649 is the one that
 *     says "the password is right, the server will not let you in now: ask the administrator",
 *     and R=0 keeps the client from retrying on the spot.</li>
 * </ul>
 * Every Failure carries {@code C=} and {@code V=3}: §6 says C "MUST be present" and V "SHOULD
 * always be 3".
 */
public final class MsChapV2Authenticator extends ChapAuthenticator {
    private static final Logger log = LoggerFactory.getLogger(MsChapV2Authenticator.class);
    /** Hash used to spend the same work on an unknown user as on a known one. */
    private static final byte[] NO_USER_HASH = new byte[NtPasswordHash.LENGTH];

    /**
     * The M= text of the refusal of an account that holds as many sessions as it may: the client's
     * user may read it (pppd logs it), and a router like this one dialling out knows it for a
     * refusal that a later attempt may get past.
     */
    public static final String TOO_MANY_SESSIONS = "Too many sessions for this account";
    /**
     * The M= text of the refusal of an account that logged in more often lately than it may: what
     * mends it, for the client's user, and what a router like this one dialling out knows it by.
     */
    public static final String TOO_MANY_LOGINS = "Too many logins for this account lately; try again in a minute";
    /** The M= text of the refusal of a disabled account whose password was right. */
    public static final String ACCOUNT_DISABLED = "Account disabled";

    private int attempts;
    private int verifications;

    /**
     * @param localName our Name in the Challenge (RFC 1994 §4.1: the system transmitting it)
     */
    public MsChapV2Authenticator(AuthPolicy policy, UserDirectory directory, String localName, Clock clock,
                                 RandomSource random, ControlPacketSender sender, AuthListener listener) {
        super(AuthMethod.MSCHAP_V2, policy, directory, localName, clock, random, sender, listener);
    }

    @Override
    int challengeLength() {
        return MsChapV2.CHALLENGE_LENGTH;
    }

    @Override
    Verdict judge(ChapValuePacket packet, byte[] challenge) {
        int id = packet.identifier();
        String name = packet.nameText();
        byte[] value = packet.value();
        if (value.length != MsChapV2Response.VALUE_LENGTH) {
            // Not an MS-CHAPv2 Response at all (a CHAP-MD5 one is 16 octets): retrying cannot help.
            return last(id, MsChapError.AUTHENTICATION_FAILURE, AuthFailureReason.PROTOCOL_ERROR, name,
                    "Response value is " + value.length + " octets, MS-CHAPv2 needs 49");
        }
        MsChapV2Response response = MsChapV2Response.decode(value, 0, value.length);
        byte[] nameOctets = packet.name();
        Optional<PppUser> user;
        try {
            user = directory.resolve(name);
        } catch (UserDirectory.Unreadable e) {
            return last(id, MsChapError.AUTHENTICATION_FAILURE, AuthFailureReason.ACCOUNTS_UNREADABLE, name,
                    e.getMessage());
        }
        if (user.isEmpty()) {
            // As often as a wrong password is checked: against the NT hash, the octet-wise one and
            // the previous one.
            verify(NO_USER_HASH, challenge, response, nameOctets);
            verify(NO_USER_HASH, challenge, response, nameOctets);
            verify(NO_USER_HASH, challenge, response, nameOctets);
            return attemptFailed(id, AuthFailureReason.UNKNOWN_USER, name, "no such user");
        }
        // The hash the peer proves: Windows' (RFC 2759 §8.3) or, for a password beyond ASCII,
        // pppd's octet-wise one. The MPPE keys derive from the one it used (RFC 3079 §3), and so
        // does the Success's authenticator response (RFC 2759 §8.7), which the peer checks with it.
        byte[] usedHash = user.get().ntHash();
        Optional<String> authenticatorResponse = verify(usedHash, challenge, response, nameOctets);
        if (authenticatorResponse.isEmpty()) {
            // Against a stand-in where the account has none (a password of plain ASCII): a wrong
            // password must take as long to refuse either way.
            Optional<byte[]> octetWise = user.get().octetWiseNtHash();
            usedHash = octetWise.orElse(NO_USER_HASH);
            authenticatorResponse = verify(usedHash, challenge, response, nameOctets)
                    .filter(r -> octetWise.isPresent());
        }
        if (authenticatorResponse.isEmpty()) {
            // Checked against a hash in any case: an account whose password was changed must not
            // take measurably longer to refuse than one whose was not.
            boolean previous = verify(user.get().previousNtHash().orElse(NO_USER_HASH), challenge, response,
                    nameOctets).isPresent()
                    && user.get().previousNtHash().isPresent();
            return previous
                    ? attemptFailed(id, AuthFailureReason.PREVIOUS_PASSWORD, name, "the password from before its last change")
                    : attemptFailed(id, AuthFailureReason.BAD_PASSWORD_691, name, "wrong password");
        }
        if (!user.get().enabled()) {
            return last(id, MsChapError.ACCOUNT_DISABLED, AuthFailureReason.ACCOUNT_DISABLED, name,
                    "account disabled", ACCOUNT_DISABLED);
        }
        Optional<LoginRefusal> refused = directory.refusesNow(user.get());
        if (refused.isPresent()) {
            AuthFailureReason reason = refused.get().reason();
            return last(id, MsChapError.NO_DIALIN_PERMISSION, reason, name, refused.get().why(),
                    reason == AuthFailureReason.LOGIN_RATE ? TOO_MANY_LOGINS : TOO_MANY_SESSIONS);
        }
        MsChapV2Success success = new MsChapV2Success(authenticatorResponse.get(), "Access granted");
        return Verdict.last(new ChapStatusPacket(true, id, success.encode()),
                AuthResult.success(method, user.get().userName(),
                        MppeKeyMaterial.of(usedHash, response.ntResponse())));
    }

    /** MsChapV2.verify, counted: every refusal must have cost as many as every other. */
    private Optional<String> verify(byte[] hash, byte[] challenge, MsChapV2Response response, byte[] nameOctets) {
        verifications++;
        return MsChapV2.verify(hash, challenge, response.peerChallenge(), nameOctets, response.ntResponse());
    }

    /** How many NT-Responses this exchange has checked against a hash, for the tests of its timing. */
    int verifications() {
        return verifications;
    }

    private Verdict attemptFailed(int id, AuthFailureReason reason, String name, String message) {
        attempts++;
        if (attempts >= policy.maxAttempts()) {
            return last(id, MsChapError.AUTHENTICATION_FAILURE, reason, name, message);
        }
        // Debug only: anyone reaching the port causes these at will, and the exchange knows no
        // session to name. A login that fails in the end is logged by its session ("login of X
        // failed"), one that succeeds on a retry needs no warning. The name is what the peer sent:
        // a newline in it would forge a log line of its own.
        log.debug("MS-CHAPv2: attempt {} of {} failed for {}: {}; peer may retry", attempts,
                policy.maxAttempts(), Printable.of(name), message);
        byte[] next = random.bytes(MsChapV2.CHALLENGE_LENGTH);
        MsChapV2Failure failure = MsChapV2Failure.of(MsChapError.AUTHENTICATION_FAILURE, true, next,
                "Authentication failed");
        return Verdict.retry(new ChapStatusPacket(false, id, failure.encode()), next);
    }

    private Verdict last(int id, MsChapError error, AuthFailureReason reason, String name, String message) {
        return last(id, error, reason, name, message, "Authentication failed");
    }

    /** @param told the Failure's M= text, which the client may show its user (pppd logs it) */
    private Verdict last(int id, MsChapError error, AuthFailureReason reason, String name, String message,
                         String told) {
        // R=0, yet C= must be present (RFC 2759 §6); it is fresh and will never be accepted.
        MsChapV2Failure failure = MsChapV2Failure.of(error, false, random.bytes(MsChapV2.CHALLENGE_LENGTH), told);
        return Verdict.last(new ChapStatusPacket(false, id, failure.encode()),
                AuthResult.msChapFailure(reason, error.code(), name, message));
    }
}
