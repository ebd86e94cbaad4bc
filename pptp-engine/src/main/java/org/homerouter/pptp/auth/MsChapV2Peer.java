package org.homerouter.pptp.auth;

import java.util.Optional;

import org.homerouter.pptp.Clock;
import org.homerouter.pptp.Printable;
import org.homerouter.pptp.ppp.ControlPacketSender;

/**
 * Authenticates our own client with MS-CHAPv2 (RFC 2759), and the authenticator to us.
 *
 * <p>Each Challenge gets a fresh random 16-octet Peer-Challenge and the NT-Response of §8.1. A
 * Success counts only if its {@code S=} authenticator response is present and right (§5, §8.8:
 * "If the authenticator response is either missing or incorrect, the peer MUST end the session");
 * otherwise the result is {@link AuthFailureReason#AUTHENTICATOR_NOT_VERIFIED}, since a server that
 * cannot compute it does not know the password and may be an impostor.
 *
 * <p>A Failure ends the exchange even when it offers a retry ({@code R=1}): this peer holds one
 * fixed password, and sending the same wrong password against the new challenge cannot succeed.
 * The result carries the error code from {@code E=}.
 */
public final class MsChapV2Peer extends ChapPeer {
    private final RandomSource random;
    private byte[] authenticatorChallenge;
    private byte[] peerChallenge;
    private byte[] ntResponse;

    public MsChapV2Peer(AuthPolicy policy, PeerCredentials credentials, Clock clock, RandomSource random,
                        ControlPacketSender sender, AuthListener listener) {
        super(AuthMethod.MSCHAP_V2, policy, credentials, clock, sender, listener);
        // The password (if any) was hashed, and its 256-character cap of RFC 2759 §8.1 checked, when
        // the credentials were made: from here on only the hash is used.
        this.random = random;
    }

    @Override
    Optional<byte[]> responseValue(ChapValuePacket challenge) {
        if (challenge.value().length != MsChapV2.CHALLENGE_LENGTH) {
            return Optional.empty();
        }
        authenticatorChallenge = challenge.value();
        peerChallenge = random.bytes(MsChapV2.CHALLENGE_LENGTH);
        ntResponse = MsChapV2.generateNtResponseFromHash(authenticatorChallenge, peerChallenge, userNameOctets,
                credentials.ntHash());
        return Optional.of(MsChapV2Response.of(peerChallenge, ntResponse).encode());
    }

    @Override
    AuthResult succeeded(ChapStatusPacket success) {
        byte[] message = success.message();
        MsChapV2Success parsed;
        try {
            parsed = MsChapV2Success.decode(message, 0, message.length);
        } catch (IllegalArgumentException e) {
            return notVerified("Success without a well-formed S= authenticator response: "
                    + Printable.of(success.messageText()));
        }
        if (!MsChapV2.checkAuthenticatorResponseFromHash(credentials.ntHash(), ntResponse, peerChallenge,
                authenticatorChallenge, userNameOctets, parsed.authenticatorResponse())) {
            return notVerified("the authenticator response S= is wrong: the server does not know the password");
        }
        return AuthResult.success(method, credentials.userName(),
                MppeKeyMaterial.of(credentials.ntHash(), ntResponse));
    }

    @Override
    AuthResult failed(ChapStatusPacket failure) {
        byte[] message = failure.message();
        MsChapV2Failure parsed;
        try {
            parsed = MsChapV2Failure.decode(message, 0, message.length);
        } catch (IllegalArgumentException e) {
            return AuthResult.failure(method, AuthFailureReason.BAD_PASSWORD_691, credentials.userName(),
                    "authenticator refused the credentials: " + Printable.of(failure.messageText()));
        }
        int code = parsed.errorCode();
        AuthFailureReason reason = code == MsChapError.RESTRICTED_LOGON_HOURS.code()
                ? AuthFailureReason.RESTRICTED_HOURS_646
                : code == MsChapError.NO_DIALIN_PERMISSION.code()
                        && parsed.message().equals(MsChapV2Authenticator.TOO_MANY_SESSIONS)
                ? AuthFailureReason.SESSION_LIMIT
                // Waiting mends it: not a disabled account, at which a dialling router stops for good.
                : code == MsChapError.NO_DIALIN_PERMISSION.code()
                        && parsed.message().equals(MsChapV2Authenticator.TOO_MANY_LOGINS)
                ? AuthFailureReason.LOGIN_RATE
                : code > MsChapError.RESTRICTED_LOGON_HOURS.code() && code <= MsChapError.NO_DIALIN_PERMISSION.code()
                ? AuthFailureReason.ACCOUNT_DISABLED : AuthFailureReason.BAD_PASSWORD_691;
        String name = parsed.error().map(Enum::name).orElse("unknown error");
        return AuthResult.msChapFailure(reason, code, credentials.userName(),
                "authenticator refused: E=" + code + " (" + name + ")"
                        + (parsed.retryAllowed() ? ", retry offered but not taken" : "")
                        + (parsed.message().isEmpty() ? "" : ": " + Printable.of(parsed.message())));
    }

    private AuthResult notVerified(String message) {
        return AuthResult.failure(method, AuthFailureReason.AUTHENTICATOR_NOT_VERIFIED, credentials.userName(),
                message);
    }
}
