package org.homerouter.pptp.mppe;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.util.Random;

import org.bouncycastle.crypto.engines.RC4Engine;
import org.bouncycastle.crypto.params.KeyParameter;
import org.junit.jupiter.api.Test;

/**
 * The per-packet cipher against the plain RFC 3078 §7.3 key change ({@link MppeKeys#changeKey})
 * and BouncyCastle's RC4, across the call sequences the encryptor and decryptor make: a key
 * change per packet, several changes before one keying (a stateless receiver bridging loss),
 * keying twice with one key (the stateful receiver's trial decryption) and going back to a saved
 * key. The cipher works each next key out ahead; this checks that the key it uses is always the
 * one the sequence of changes gives.
 */
class MppeSessionCipherTest {

    @Test
    void everyCallSequenceEncryptsWithTheKeyTheRfcsKeyChangesGive() {
        Random random = new Random(11);
        for (MppeStrength strength : MppeStrength.values()) {
            byte[] startKey = new byte[16];
            random.nextBytes(startKey);
            MppeSessionCipher cipher = new MppeSessionCipher(startKey, strength);
            byte[] expectedKey = MppeKeys.initialSessionKey(startKey, strength);
            RC4Engine reference = keyed(expectedKey);
            byte[] saved = new byte[16];
            byte[] savedExpected = null;
            long changesSinceSave = 0;
            for (int step = 0; step < 3000; step++) {
                int op = random.nextInt(10);
                if (op < 5) {
                    cipher.rekey();
                    expectedKey = MppeKeys.changeKey(startKey, expectedKey, strength);
                    reference = keyed(expectedKey);
                    changesSinceSave++;
                } else if (op < 7) {
                    int changes = 2 + random.nextInt(4);
                    for (int i = 0; i < changes; i++) {
                        cipher.changeKey();
                        expectedKey = MppeKeys.changeKey(startKey, expectedKey, strength);
                    }
                    cipher.initTables();
                    reference = keyed(expectedKey);
                    changesSinceSave += changes;
                } else if (op == 7) {
                    cipher.initTables();
                    reference = keyed(expectedKey);
                } else if (op == 8) {
                    cipher.saveKey(saved);
                    savedExpected = expectedKey.clone();
                    changesSinceSave = 0;
                } else if (savedExpected != null) {
                    cipher.restoreKey(saved, changesSinceSave);
                    expectedKey = savedExpected.clone();
                    changesSinceSave = 0;
                    // restoreKey leaves the tables to the caller, as the decryptor re-keys after it.
                    cipher.rekey();
                    expectedKey = MppeKeys.changeKey(startKey, expectedKey, strength);
                    reference = keyed(expectedKey);
                    changesSinceSave = 1;
                }
                byte[] data = new byte[1 + random.nextInt(64)];
                random.nextBytes(data);
                byte[] expected = new byte[data.length];
                reference.processBytes(data, 0, data.length, expected, 0);
                ByteBuffer got = ByteBuffer.wrap(data.clone());
                cipher.crypt(got, 0, got, 0, data.length);
                assertArrayEquals(expected, got.array(), strength + " step " + step + " operation " + op);
            }
        }
    }

    @Test
    void keyChangesAreCountedOncePerChangeWhetherWorkedOutAheadOrNot() {
        byte[] startKey = new byte[16];
        new Random(3).nextBytes(startKey);
        MppeSessionCipher cipher = new MppeSessionCipher(startKey, MppeStrength.BITS_128);
        cipher.rekey();                 // the change worked out ahead
        cipher.changeKey();             // the next one, ahead too
        cipher.changeKey();             // and one computed on the spot
        cipher.initTables();
        assertEquals(3, cipher.keyChanges());
        byte[] saved = new byte[16];
        cipher.saveKey(saved);
        cipher.rekey();
        cipher.rekey();
        cipher.restoreKey(saved, 2);
        assertEquals(3, cipher.keyChanges());
    }

    private static RC4Engine keyed(byte[] key) {
        RC4Engine engine = new RC4Engine();
        engine.init(true, new KeyParameter(key));
        return engine;
    }
}
