package org.homerouter.pptp.ppp.lcp;

import java.util.function.Consumer;
import java.util.random.RandomGenerator;
import org.homerouter.pptp.ppp.OptionHandler;
import org.homerouter.pptp.ppp.OptionVerdict;

/**
 * Magic-Number (RFC 1661 §6.4): a random number per side that exposes looped-back links.
 *
 * <p>When the peer asks for our own number (or zero, which is illegal) we Nak with a fresh random
 * number. On a looped-back link that Nak comes back to us as the answer to our own request, with
 * exactly the number we Nak'd with: the RFC calls that an increased possibility of a loop, and
 * after {@code loopLimit} such Naks in a row we declare the link looped back. Whatever the Nak
 * says, we then pick a new random number, as pppd does, so the value stays unpredictable.
 */
public final class MagicNumberOption implements OptionHandler {
    private final RandomGenerator random;
    private final int loopLimit;
    private final Consumer<LinkFailure> failure;
    private int ours;
    private boolean requesting;
    private boolean acked;
    private int peerMagic;
    private int lastNakSent;
    private int loops;

    /**
     * @param random source of magic numbers
     * @param loopLimit consecutive Naks returning our own Nak'd number that prove a loop
     * @param failure told when the link is found looped back
     */
    public MagicNumberOption(RandomGenerator random, int loopLimit, Consumer<LinkFailure> failure) {
        if (loopLimit < 1) {
            throw new IllegalArgumentException("loopLimit must be at least 1");
        }
        this.random = random;
        this.loopLimit = loopLimit;
        this.failure = failure;
        reset();
    }

    @Override
    public int type() {
        return LcpOptionType.MAGIC_NUMBER;
    }

    @Override
    public boolean wellFormed(byte[] data) {
        return data.length == 4;
    }

    @Override
    public void reset() {
        ours = fresh();
        requesting = true;
        acked = false;
        peerMagic = 0;
        lastNakSent = 0;
        loops = 0;
    }

    @Override
    public byte[] requestValue() {
        return requesting ? u32(ours) : null;
    }

    @Override
    public void acked(byte[] data) {
        acked = true;
    }

    @Override
    public void naked(byte[] data) {
        int suggested = u32(data);
        if (lastNakSent != 0 && suggested == lastNakSent) {
            loops++;
            if (loops >= loopLimit) {
                failure.accept(LinkFailure.LOOPED_BACK);
            }
        } else {
            loops = 0;
        }
        ours = fresh();
        requesting = true;
    }

    @Override
    public void rejected() {
        requesting = false;
    }

    @Override
    public void peerRequestStarts() {
        peerMagic = 0;
    }

    @Override
    public OptionVerdict judge(byte[] data) {
        int magic = u32(data);
        // §6.4: zero is illegal and MUST be Nak'd; our own number MUST be Nak'd with another.
        if (magic == 0 || requesting && magic == ours) {
            lastNakSent = fresh();
            return OptionVerdict.nak(u32(lastNakSent));
        }
        peerMagic = magic;
        return OptionVerdict.ack();
    }

    /** Our Magic-Number once the peer acknowledged it, else 0 (§6.4: "not negotiated"). */
    public int localMagic() {
        return requesting && acked ? ours : 0;
    }

    /** The peer's Magic-Number as we acknowledged it, else 0. */
    public int peerMagic() {
        return peerMagic;
    }

    private int fresh() {
        int m;
        do {
            m = random.nextInt();
        } while (m == 0 || m == ours || m == peerMagic);
        return m;
    }

    private static byte[] u32(int v) {
        return new byte[] {(byte) (v >>> 24), (byte) (v >>> 16), (byte) (v >>> 8), (byte) v};
    }

    private static int u32(byte[] d) {
        return (d[0] & 0xFF) << 24 | (d[1] & 0xFF) << 16 | (d[2] & 0xFF) << 8 | d[3] & 0xFF;
    }
}
