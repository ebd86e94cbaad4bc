package org.homerouter.pptp.mppe;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;

import org.bouncycastle.crypto.engines.RC4Engine;
import org.bouncycastle.crypto.params.KeyParameter;
import org.homerouter.pptp.auth.NtPasswordHash;
import org.junit.jupiter.api.Test;

/** RFC 3079 §3.5 known answers (inputs of RFC 2759 §9.2; see /work/shared/vectors/README.md). */
class MppeKeysTest {
    private static final HexFormat HEX = HexFormat.of().withUpperCase();
    private static final byte[] NT_HASH = NtPasswordHash.of("clientPass");
    private static final byte[] NT_RESPONSE = HEX.parseHex("82309ECD8D708B5EA08FAA3981CD83544233114A3D85D6DF");
    private static final byte[] MASTER = HEX.parseHex("FDECE3717A8C838CB388E527AE3CDD31");
    private static final String SERVER_SEND = "8B7CDC149B993A1BA118CB153F56DCCB";
    private static final String SERVER_RECEIVE = "D5F0E9521E3EA9589645E86051C82226";
    private static final byte[] TEST_MESSAGE = "test message".getBytes(StandardCharsets.US_ASCII);

    @Test
    void masterKey() {
        assertArrayEquals(MASTER, MppeKeys.masterKey(NtPasswordHash.hashOf(NT_HASH), NT_RESPONSE));
    }

    @Test
    void asymmetricStartKeysOfBothEnds() {
        assertEquals(SERVER_SEND, HEX.formatHex(MppeKeys.asymmetricStartKey(MASTER, 16, true, true)));
        assertEquals(SERVER_RECEIVE, HEX.formatHex(MppeKeys.asymmetricStartKey(MASTER, 16, false, true)));
        assertEquals(SERVER_RECEIVE, HEX.formatHex(MppeKeys.asymmetricStartKey(MASTER, 16, true, false)));
        assertEquals(SERVER_SEND, HEX.formatHex(MppeKeys.asymmetricStartKey(MASTER, 16, false, false)));
    }

    @Test
    void startKeysFromStoredHashMirrorEachOther() {
        MppeStartKeys server = MppeStartKeys.forServer(NT_HASH, NT_RESPONSE);
        MppeStartKeys client = MppeStartKeys.forClient(NT_HASH, NT_RESPONSE);
        assertEquals(SERVER_SEND, HEX.formatHex(server.send()));
        assertEquals(SERVER_RECEIVE, HEX.formatHex(server.receive()));
        assertArrayEquals(server.send(), client.receive());
        assertArrayEquals(server.receive(), client.send());
    }

    @Test
    void sessionKey40() {
        byte[] start = MppeKeys.asymmetricStartKey(MASTER, 8, true, true);
        byte[] key = MppeKeys.initialSessionKey(start, MppeStrength.BITS_40);
        assertEquals("D1269EC49FA62E3E", HEX.formatHex(key));
        assertEquals("929137917E5803D668D75898", HEX.formatHex(rc4(key, TEST_MESSAGE)));
    }

    @Test
    void sessionKey56() {
        byte[] start = MppeKeys.asymmetricStartKey(MASTER, 8, true, true);
        byte[] key = MppeKeys.initialSessionKey(start, MppeStrength.BITS_56);
        assertEquals("D15C00C49FA62E3E", HEX.formatHex(key));
        assertEquals("3F106833FA448DA842BC57B8", HEX.formatHex(rc4(key, TEST_MESSAGE)));
    }

    @Test
    void sessionKey128() {
        byte[] start = MppeKeys.asymmetricStartKey(MASTER, 16, true, true);
        byte[] key = MppeKeys.initialSessionKey(start, MppeStrength.BITS_128);
        assertEquals("405CB2247A7956E6E211007AE27B22D4", HEX.formatHex(key));
        assertEquals("81848317DF68846272FB5ABE", HEX.formatHex(rc4(key, TEST_MESSAGE)));
    }

    @Test
    void eightOctetStartKeyIsThePrefixOfTheSixteenOctetOne() {
        // Why a 16-octet MppeStartKeys serves all three strengths.
        byte[] full = MppeKeys.asymmetricStartKey(MASTER, 16, true, true);
        byte[] half = MppeKeys.asymmetricStartKey(MASTER, 8, true, true);
        assertArrayEquals(Arrays.copyOf(full, 8), half);
        assertArrayEquals(MppeKeys.initialSessionKey(half, MppeStrength.BITS_40),
                MppeKeys.initialSessionKey(full, MppeStrength.BITS_40));
    }

    @Test
    void firstStatefulPacketIsEncryptedWithTheInitialSessionKey() {
        // End to end through the encryptor: a stateful link's first packet (count 0, no A bit)
        // uses SendSessionKey unchanged, so the RFC's ciphertexts appear on the wire.
        String[][] cases = {
                {"BITS_40", "929137917E5803D668D75898"},
                {"BITS_56", "3F106833FA448DA842BC57B8"},
                {"BITS_128", "81848317DF68846272FB5ABE"}};
        for (String[] c : cases) {
            MppeEncryptor enc = new MppeEncryptor(MppeStartKeys.forServer(NT_HASH, NT_RESPONSE).send(),
                    MppeStrength.valueOf(c[0]), false);
            ByteBuffer out = ByteBuffer.allocate(64);
            assertEquals(0, enc.encrypt(ByteBuffer.wrap(TEST_MESSAGE), out));
            out.flip();
            assertEquals("1000" + c[1], HEX.formatHex(out.array(), 0, out.limit()), c[0]);
        }
    }

    @Test
    void firstStatelessPacketUsesOneKeyChange() {
        byte[] start = MppeStartKeys.forServer(NT_HASH, NT_RESPONSE).send();
        byte[] changed = MppeKeys.changeKey(start, MppeKeys.initialSessionKey(start, MppeStrength.BITS_128),
                MppeStrength.BITS_128);
        MppeEncryptor enc = new MppeEncryptor(start, MppeStrength.BITS_128, true);
        ByteBuffer out = ByteBuffer.allocate(64);
        enc.encrypt(ByteBuffer.wrap(TEST_MESSAGE), out);
        out.flip();
        assertEquals("9000" + HEX.formatHex(rc4(changed, TEST_MESSAGE)), HEX.formatHex(out.array(), 0, out.limit()));
    }

    @Test
    void changeKeyKeepsTheSaltOfReducedKeys() {
        byte[] start = MppeKeys.asymmetricStartKey(MASTER, 8, true, true);
        byte[] k40 = MppeKeys.changeKey(start, MppeKeys.initialSessionKey(start, MppeStrength.BITS_40),
                MppeStrength.BITS_40);
        assertEquals("D1269E", HEX.formatHex(k40, 0, 3));
        byte[] k56 = MppeKeys.changeKey(start, MppeKeys.initialSessionKey(start, MppeStrength.BITS_56),
                MppeStrength.BITS_56);
        assertEquals("D1", HEX.formatHex(k56, 0, 1));
    }

    private static byte[] rc4(byte[] key, byte[] data) {
        RC4Engine rc4 = new RC4Engine();
        rc4.init(true, new KeyParameter(key));
        byte[] out = new byte[data.length];
        rc4.processBytes(data, 0, data.length, out, 0);
        return out;
    }
}
