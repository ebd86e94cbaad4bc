package org.homerouter.pptp.mppe;

import java.util.Arrays;

import org.bouncycastle.crypto.digests.MD4Digest;

/**
 * The two 16-octet MPPE start keys of one end of a link after MS-CHAPv2 (RFC 3079 §3.4): one to
 * encrypt what it sends, one to decrypt what it receives. 40/56-bit links use the first 8 octets.
 */
public record MppeStartKeys(byte[] send, byte[] receive) {

    public MppeStartKeys {
        MppeKeys.requireLength("send start key", send, MppeKeys.MASTER_KEY_LENGTH);
        MppeKeys.requireLength("receive start key", receive, MppeKeys.MASTER_KEY_LENGTH);
        send = send.clone();
        receive = receive.clone();
    }

    /**
     * The authenticator's keys, from the stored NT password hash and the peer's NT-Response. Works
     * from the hash alone, like {@code MsChapV2.verify}.
     */
    public static MppeStartKeys forServer(byte[] ntPasswordHash, byte[] ntResponse) {
        return derive(ntPasswordHash, ntResponse, true);
    }

    /** The peer's keys: the mirror image of {@link #forServer}. */
    public static MppeStartKeys forClient(byte[] ntPasswordHash, byte[] ntResponse) {
        return derive(ntPasswordHash, ntResponse, false);
    }

    private static MppeStartKeys derive(byte[] ntPasswordHash, byte[] ntResponse, boolean isServer) {
        MppeKeys.requireLength("NT password hash", ntPasswordHash, 16);
        // HashNtPasswordHash (RFC 2759 §8.4) feeds GetMasterKey.
        MD4Digest md4 = new MD4Digest();
        md4.update(ntPasswordHash, 0, ntPasswordHash.length);
        byte[] passwordHashHash = new byte[16];
        md4.doFinal(passwordHashHash, 0);
        return fromPasswordHashHash(passwordHashHash, ntResponse, isServer);
    }

    /**
     * The keys of one end straight from GetMasterKey's inputs (RFC 3079 §3.4): PasswordHashHash and
     * the NT-Response, which is what an MS-CHAPv2 exchange leaves behind on either side.
     */
    public static MppeStartKeys fromPasswordHashHash(byte[] passwordHashHash, byte[] ntResponse, boolean isServer) {
        MppeKeys.requireLength("password hash hash", passwordHashHash, 16);
        byte[] master = MppeKeys.masterKey(passwordHashHash, ntResponse);
        return new MppeStartKeys(
                MppeKeys.asymmetricStartKey(master, MppeKeys.MASTER_KEY_LENGTH, true, isServer),
                MppeKeys.asymmetricStartKey(master, MppeKeys.MASTER_KEY_LENGTH, false, isServer));
    }

    @Override
    public byte[] send() {
        return send.clone();
    }

    @Override
    public byte[] receive() {
        return receive.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof MppeStartKeys k && Arrays.equals(send, k.send) && Arrays.equals(receive, k.receive);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(send) + Arrays.hashCode(receive);
    }

    /** Never prints key material. */
    @Override
    public String toString() {
        return "MppeStartKeys[send=<16 octets>, receive=<16 octets>]";
    }
}
