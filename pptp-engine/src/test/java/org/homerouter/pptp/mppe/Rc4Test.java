package org.homerouter.pptp.mppe;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.HexFormat;
import java.util.Random;

import org.bouncycastle.crypto.engines.RC4Engine;
import org.bouncycastle.crypto.params.KeyParameter;
import org.junit.jupiter.api.Test;

/** The engine's RC4 against published vectors and BouncyCastle's RC4Engine. */
class Rc4Test {
    @Test
    void publishedTestVectors() {
        // The classic vectors (Wikipedia "RC4", from the 1994 posting): Key/Plaintext, Wiki/pedia, Secret/Attack at dawn.
        check("Key", "Plaintext", "BBF316E8D940AF0AD3");
        check("Wiki", "pedia", "1021BF0420");
        check("Secret", "Attack at dawn", "45A01F645FC35B383552544B9BF5");
    }

    private static void check(String key, String plaintext, String cipherHex) {
        Rc4 rc4 = new Rc4();
        byte[] k = key.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        rc4.init(k, k.length);
        byte[] p = plaintext.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        byte[] out = new byte[p.length];
        rc4.process(p, 0, p.length, out, 0);
        assertArrayEquals(HexFormat.of().parseHex(cipherHex), out);
    }

    @Test
    void matchesBouncyCastleAcrossKeysLengthsAndRekeysInPlace() {
        Random random = new Random(7);
        Rc4 ours = new Rc4();
        byte[] keyBuffer = new byte[64];
        for (int round = 0; round < 500; round++) {
            int keyLength = 1 + random.nextInt(32);
            random.nextBytes(keyBuffer);
            byte[] key = java.util.Arrays.copyOf(keyBuffer, keyLength);
            RC4Engine theirs = new RC4Engine();
            theirs.init(true, new KeyParameter(key));
            ours.init(keyBuffer, keyLength); // only the first keyLength octets count
            // Several calls in a row: the keystream continues across them.
            for (int piece = 0; piece < 3; piece++) {
                byte[] data = new byte[random.nextInt(1600)];
                random.nextBytes(data);
                byte[] expected = new byte[data.length];
                theirs.processBytes(data, 0, data.length, expected, 0);
                if (piece == 1) {
                    // A native buffer (the raw socket's receive slots), in place at an offset.
                    java.nio.ByteBuffer direct = java.nio.ByteBuffer.allocateDirect(data.length + 5);
                    direct.put(5, data);
                    ours.process(direct, 5, data.length, direct, 5);
                    byte[] got = new byte[data.length];
                    direct.get(5, got);
                    assertArrayEquals(expected, got, "round " + round + " piece " + piece + " (direct)");
                    continue;
                }
                byte[] inPlace = data.clone();
                ours.process(inPlace, 0, inPlace.length, inPlace, 0);
                assertArrayEquals(expected, inPlace, "round " + round + " piece " + piece);
            }
        }
    }

    @Test
    void twoSchedulesKeyedTogetherMatchEachKeyedAlone() {
        Random random = new Random(5);
        Rc4 one = new Rc4();
        Rc4 other = new Rc4();
        Rc4 alone = new Rc4();
        byte[] key = new byte[256];
        byte[] otherKey = new byte[256];
        for (int round = 0; round < 300; round++) {
            int keyLength = 1 + random.nextInt(round < 200 ? 16 : 256);
            random.nextBytes(key);
            random.nextBytes(otherKey);
            one.initTogether(key, other, otherKey, keyLength);
            byte[] data = new byte[300];
            random.nextBytes(data);
            assertArrayEquals(encrypt(alone, key, keyLength, data), encrypt(one, data), "first, key length " + keyLength);
            assertArrayEquals(encrypt(alone, otherKey, keyLength, data), encrypt(other, data), "second, key length " + keyLength);
        }
    }

    private static byte[] encrypt(Rc4 keyedEngine, byte[] data) {
        byte[] out = new byte[data.length];
        keyedEngine.process(data, 0, data.length, out, 0);
        return out;
    }

    private static byte[] encrypt(Rc4 engine, byte[] key, int keyLength, byte[] data) {
        engine.init(key, keyLength);
        return encrypt(engine, data);
    }

    @Test
    void rejectsBadKeysAndRanges() {
        Rc4 rc4 = new Rc4();
        assertThrows(IllegalArgumentException.class, () -> rc4.init(new byte[16], 0));
        assertThrows(IllegalArgumentException.class, () -> rc4.init(new byte[16], 17));
        rc4.init(new byte[16], 16);
        assertThrows(IndexOutOfBoundsException.class, () -> rc4.process(new byte[4], 1, 4, new byte[4], 0));
        assertThrows(IndexOutOfBoundsException.class, () -> rc4.process(new byte[4], 0, 4, new byte[4], 1));
        java.nio.ByteBuffer direct = java.nio.ByteBuffer.allocateDirect(4);
        assertThrows(IndexOutOfBoundsException.class, () -> rc4.process(direct, 1, 4, direct, 0));
        assertThrows(IllegalArgumentException.class, () -> rc4.initTogether(new byte[16], rc4, new byte[16], 16));
        assertThrows(IllegalArgumentException.class, () -> rc4.initTogether(new byte[16], new Rc4(), new byte[8], 16));
    }
}
