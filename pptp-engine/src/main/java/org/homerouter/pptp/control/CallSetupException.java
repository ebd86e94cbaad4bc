package org.homerouter.pptp.control;

/** A control connection or call the peer refused, with the RFC 2637 result and error codes it gave. */
public final class CallSetupException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final int resultCode;
    private final int errorCode;

    public CallSetupException(String message, int resultCode, int errorCode) {
        super(resultCode < 0 ? message : message + " (result " + resultCode + ", error " + errorCode + ")");
        this.resultCode = resultCode;
        this.errorCode = errorCode;
    }

    public int resultCode() {
        return resultCode;
    }

    public int errorCode() {
        return errorCode;
    }
}
