package org.homerouter.bridge.route;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The boot-hold file read back, and kept aside, as a router whose settings were lost does (no root). */
class BootHoldFileTest {
    @TempDir
    Path dir;

    /** A line a power cut garbled costs itself only: decoded strictly, the whole file read as nothing was held. */
    @Test
    void aGarbledLineCostsOnlyItself() throws Exception {
        Path file = dir.resolve(BootHold.FILE_NAME);
        Files.write(file, concat(BootHold.render(List.of("10.2.0.0/24"), true).getBytes(),
                new byte[] {'u', 'n', (byte) 0xC3, (byte) 0x28, '\n'}, "unreachable 10.3.0.0/16\n".getBytes()));
        assertEquals(new BootHold.Held(List.of("10.2.0.0/24", "10.3.0.0/16"), true), BootHold.read(file));
        assertTrue(BootHold.read(dir.resolve("none")).isEmpty(), "no file holds nothing");
    }

    @Test
    void theCopyIsTheFileAsItIsAndIsMadeOnce() throws Exception {
        Path file = dir.resolve(BootHold.FILE_NAME);
        byte[] text = concat(BootHold.render(List.of("10.2.0.0/24"), false).getBytes(), new byte[] {(byte) 0xFF, '\n'});
        Files.write(file, text);
        Path copy = dir.resolve("copy");
        assertTrue(BootHold.keepCopy(file, copy));
        assertArrayEquals(text, Files.readAllBytes(copy));
        Files.writeString(file, "");
        assertFalse(BootHold.keepCopy(file, copy), "an earlier copy is kept: it held what the lost settings did");
        assertArrayEquals(text, Files.readAllBytes(copy));
        assertFalse(BootHold.keepCopy(dir.resolve("none"), dir.resolve("copy2")));
        assertFalse(Files.exists(dir.resolve("copy2")));
    }

    private static byte[] concat(byte[]... parts) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }
}
