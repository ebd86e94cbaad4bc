package org.homerouter.bridge.ffm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class ErrnoExceptionTest {
    @Test
    void messageNamesTheCallTheErrorAndWhatToDo() {
        ErrnoException e = new ErrnoException("socket(AF_INET, SOCK_RAW, IPPROTO_GRE)", Errno.EPERM);
        assertEquals("socket(AF_INET, SOCK_RAW, IPPROTO_GRE): operation not permitted"
                + " (needs CAP_NET_RAW/CAP_NET_ADMIN) [EPERM]", e.getMessage());
        assertEquals(Errno.EPERM, e.errno());
        assertEquals("open(/x): no such file or directory [ENOENT]", new ErrnoException("open(/x)", 2).getMessage());
        assertEquals("f: error 4095 [errno 4095]", new ErrnoException("f", 4095).getMessage());
        assertEquals("setns(x, CLONE_NEWNET): operation not permitted (needs CAP_SYS_ADMIN) [EPERM]",
                new ErrnoException("setns(x, CLONE_NEWNET)", Errno.EPERM, "needs CAP_SYS_ADMIN").getMessage());
    }

    @Test
    void checkPassesResultsAndThrowsForMinusErrno() throws Exception {
        assertEquals(7, ErrnoException.check("read", 7));
        assertEquals(7L, ErrnoException.check("read", 7L));
        ErrnoException e = assertThrows(ErrnoException.class, () -> ErrnoException.check("read", -Errno.EAGAIN));
        assertEquals(Errno.EAGAIN, e.errno());
    }

    @Test
    void libcReportsErrnoAsNegativeResult() {
        // Not root-only: closing an fd that is not open fails the same way for everyone.
        assertEquals(-Errno.EBADF, LibC.close(-1));
        assertEquals(-Errno.ENOENT, LibC.open("/nonexistent/homerouter", LibC.O_RDONLY));
    }
}
