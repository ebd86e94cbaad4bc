package org.homerouter.pptp.auth;

import java.util.Arrays;

/**
 * What MPPE key derivation needs from a successful MS-CHAPv2 exchange: the inputs of
 * GetMasterKey(PasswordHashHash, NTResponse), RFC 3079 §3.4. Both sides hold the same values, so
 * both derive the same master key.
 *
 * @param passwordHashHash HashNtPasswordHash(NtPasswordHash(password)), 16 octets (RFC 2759 §8.4)
 * @param ntResponse the peer's 24-octet NT-Response that was accepted (RFC 2759 §4)
 */
public record MppeKeyMaterial(byte[] passwordHashHash, byte[] ntResponse) {

    public MppeKeyMaterial {
        NtPasswordHash.requireLength("PasswordHashHash", passwordHashHash, NtPasswordHash.LENGTH);
        NtPasswordHash.requireLength("NT-Response", ntResponse, MsChapV2.NT_RESPONSE_LENGTH);
        passwordHashHash = passwordHashHash.clone();
        ntResponse = ntResponse.clone();
    }

    /** The material for an account's NT hash and the NT-Response it answered with. */
    static MppeKeyMaterial of(byte[] ntHash, byte[] ntResponse) {
        return new MppeKeyMaterial(NtPasswordHash.hashOf(ntHash), ntResponse);
    }

    @Override
    public byte[] passwordHashHash() {
        return passwordHashHash.clone();
    }

    @Override
    public byte[] ntResponse() {
        return ntResponse.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof MppeKeyMaterial m && Arrays.equals(passwordHashHash, m.passwordHashHash)
                && Arrays.equals(ntResponse, m.ntResponse);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(passwordHashHash) + Arrays.hashCode(ntResponse);
    }

    /** Prints nothing of the values: the hash-hash is key material. */
    @Override
    public String toString() {
        return "MppeKeyMaterial[redacted]";
    }
}
