package org.homerouter.bridge;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ClockStateTest {
    /**
     * What the UI is told is what the kernel says: compared with adjtimex(2) called by another
     * program (Python's ctypes), read-only, on this machine's clock, whichever state it is in.
     */
    @Test
    void saysWhatAdjtimexSays() throws Exception {
        Process p = new ProcessBuilder("python3", "-c",
                "import ctypes; print(ctypes.CDLL(None).adjtimex(ctypes.create_string_buffer(512)))")
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).trim();
        p.waitFor(10, TimeUnit.SECONDS);
        int state = Integer.parseInt(out);
        assertEquals(state != ClockState.TIME_ERROR, ClockState.synchronizedByTimeServer().orElseThrow(),
                "adjtimex(2) answered " + state);
    }
}
