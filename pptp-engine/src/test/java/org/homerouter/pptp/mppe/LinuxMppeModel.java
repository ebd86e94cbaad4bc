package org.homerouter.pptp.mppe;

import java.util.Arrays;

import org.bouncycastle.crypto.engines.RC4Engine;
import org.bouncycastle.crypto.params.KeyParameter;

/**
 * A deliberately plain transcription of Linux's drivers/net/ppp/ppp_mppe.c (mppe_compress,
 * mppe_comp_reset, mppe_decompress), independent of {@link MppeEncryptor} and
 * {@link MppeDecryptor}: byte arrays, a fresh RC4 engine per re-key, the C control flow kept line
 * for line. It is the yardstick the production classes are measured against. Key derivation
 * comes from {@link MppeKeys}, which MppeKeysTest checks against RFC 3079's vectors.
 */
final class LinuxMppeModel {
    private static final int CCOUNT_SPACE = 0x1000;
    private static final int BIT_FLUSHED = 0x80;
    private static final int BIT_ENCRYPTED = 0x10;
    private static final int SANITY_MAX = 1600;

    /** struct ppp_mppe_state, the parts both directions use. */
    private final byte[] masterKey;
    private final MppeStrength strength;
    private final boolean stateful;
    private byte[] sessionKey;
    private RC4Engine arc4;
    private int ccount = CCOUNT_SPACE - 1;
    private int bits = BIT_ENCRYPTED;
    private boolean discard;
    int sanityErrors;
    int rekeys;

    LinuxMppeModel(byte[] startKey, MppeStrength strength, boolean stateless) {
        this.masterKey = Arrays.copyOf(startKey, strength.keyLength());
        this.strength = strength;
        this.stateful = !stateless;
        // mppe_init: mppe_rekey(state, 1), the initial session key.
        this.sessionKey = MppeKeys.initialSessionKey(masterKey, strength);
        setKey();
    }

    private void setKey() {
        arc4 = new RC4Engine();
        arc4.init(true, new KeyParameter(sessionKey));
    }

    /** mppe_rekey(state, 0). */
    private void rekey() {
        sessionKey = MppeKeys.changeKey(masterKey, sessionKey, strength);
        setKey();
        rekeys++;
    }

    /** mppe_comp_reset: we are sending a Reset-Ack. */
    void compReset() {
        bits |= BIT_FLUSHED;
    }

    /** mppe_compress on a PPP protocol field and information: returns MPPE header and ciphertext. */
    byte[] compress(byte[] plain) {
        byte[] out = new byte[plain.length + 2];
        ccount = (ccount + 1) % CCOUNT_SPACE;
        out[0] = (byte) (ccount >> 8);
        out[1] = (byte) ccount;
        if (!stateful || (ccount & 0xff) == 0xff || (bits & BIT_FLUSHED) != 0) {
            rekey();
            bits |= BIT_FLUSHED;
        }
        out[0] |= (byte) bits;
        bits &= ~BIT_FLUSHED;
        arc4.processBytes(plain, 0, plain.length, out, 2);
        return out;
    }

    /** What mppe_decompress returned. */
    enum Outcome { DECRYPTED, DECOMP_ERROR, DECOMP_FATALERROR }

    /** The outcome of the last {@link #decompress} and, when decrypted, the plaintext. */
    Outcome outcome;
    byte[] plaintext;

    /** mppe_decompress on an MPPE header and ciphertext (current kernels: late stateless packets discarded). */
    Outcome decompress(byte[] in) {
        plaintext = null;
        if (in.length <= 2) {
            return outcome = Outcome.DECOMP_ERROR;
        }
        int pktBits = in[0] & 0xf0;
        boolean flushed = (pktBits & BIT_FLUSHED) != 0;
        int count = ((in[0] & 0x0f) << 8) + (in[1] & 0xff);

        if ((pktBits & BIT_ENCRYPTED) == 0) {
            sanityErrors += 100;
            return sanityError();
        }
        if (!stateful && !flushed) {
            sanityErrors += 100;
            return sanityError();
        }
        if (stateful && (count & 0xff) == 0xff && !flushed) {
            sanityErrors += 100;
            return sanityError();
        }

        if (!stateful) {
            if (Math.floorMod(count - ccount, CCOUNT_SPACE) > CCOUNT_SPACE / 2) {
                sanityErrors++;
                return sanityError();
            }
            while (ccount != count) {
                rekey();
                ccount = (ccount + 1) % CCOUNT_SPACE;
            }
        } else {
            if (!discard) {
                ccount = (ccount + 1) % CCOUNT_SPACE;
                if (count != ccount) {
                    discard = true;
                    return outcome = Outcome.DECOMP_ERROR;
                }
            } else {
                if (!flushed) {
                    return outcome = Outcome.DECOMP_ERROR;
                }
                while ((count & ~0xff) != (ccount & ~0xff)) {
                    rekey();
                    ccount = (ccount + 256) % CCOUNT_SPACE;
                }
                discard = false;
                ccount = count;
            }
            if (flushed) {
                rekey();
            }
        }
        plaintext = new byte[in.length - 2];
        arc4.processBytes(in, 2, in.length - 2, plaintext, 0);
        sanityErrors >>= 1;
        return outcome = Outcome.DECRYPTED;
    }

    private Outcome sanityError() {
        return outcome = sanityErrors < SANITY_MAX ? Outcome.DECOMP_ERROR : Outcome.DECOMP_FATALERROR;
    }

    boolean discarding() {
        return discard;
    }
}
