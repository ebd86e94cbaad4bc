package org.homerouter.pptp.mppe;

/**
 * MPPE session key strengths (RFC 3079 §3.1-§3.3) and their CCP option bits (RFC 3078 §2).
 *
 * <p>40- and 56-bit keys are 8-octet RC4 keys whose first octets are overwritten with a fixed
 * salt after every derivation; only 128-bit keys are worth having.
 */
public enum MppeStrength {
    /** L bit; key octets 0-2 forced to D1 26 9E (RFC 3079 §3.1). */
    BITS_40(8, MppeOption.L_40_BIT),
    /** M bit; key octet 0 forced to D1 (RFC 3079 §3.2). */
    BITS_56(8, MppeOption.M_56_BIT),
    /** S bit; all 16 octets are key (RFC 3079 §3.3). */
    BITS_128(16, MppeOption.S_128_BIT);

    private final int keyLength;
    private final int optionBit;

    MppeStrength(int keyLength, int optionBit) {
        this.keyLength = keyLength;
        this.optionBit = optionBit;
    }

    /** RC4 key length in octets: 8 for 40 and 56 bits, 16 for 128 bits. */
    public int keyLength() {
        return keyLength;
    }

    /** As pages and logs name it: "40-bit", "56-bit", "128-bit". */
    public String label() {
        return name().substring("BITS_".length()) + "-bit";
    }

    /** The Supported Bits flag that names this strength. */
    public int optionBit() {
        return optionBit;
    }

    /**
     * Reduces a freshly derived 8-octet key to its nominal strength by overwriting the leading
     * octets with the salt of RFC 3079 §3.1 (40-bit) or §3.2 (56-bit); 128-bit keys are untouched.
     */
    void reduce(byte[] key) {
        switch (this) {
            case BITS_40 -> {
                key[0] = (byte) 0xD1;
                key[1] = (byte) 0x26;
                key[2] = (byte) 0x9E;
            }
            case BITS_56 -> key[0] = (byte) 0xD1;
            case BITS_128 -> {
                // Full-length key: nothing to reduce.
            }
        }
    }
}
