package org.homerouter.pptp.control;

/**
 * The result and error codes of a server's refusals (RFC 2637 §2.2, §2.8, §2.13, §2.16) in words,
 * for the owner of a router that dials out: "result 4, error 0" told nothing, where "busy: the
 * server has no free line" says to try later or ask the server's administrator for more.
 */
public final class ResultCodes {
    private ResultCodes() {
    }

    /** A Start-Control-Connection-Reply's refusal (§2.2). */
    public static String startReply(int result, int error) {
        return switch (result) {
            case 2 -> "general error" + general(error);
            case 3 -> "a control connection from this address already exists there";
            case 4 -> "this router is not allowed to connect (the server's own access rules)";
            case 5 -> "the server does not support this PPTP protocol version";
            default -> "result " + result + general(error);
        };
    }

    /** An Outgoing-Call-Reply's refusal (§2.8). */
    public static String callReply(int result, int error) {
        return switch (result) {
            case 2 -> "general error" + general(error);
            case 3 -> "no carrier";
            case 4 -> "busy: the server has no free line (Windows RRAS: all its PPTP ports are in use)";
            case 5 -> "no dial tone";
            case 6 -> "the server timed out setting the call up";
            case 7 -> "the server does not accept calls from this router";
            default -> "result " + result + general(error);
        };
    }

    /** A Call-Disconnect-Notify's result (§2.13). */
    public static String disconnect(int result) {
        return switch (result) {
            case 1 -> "lost carrier";
            case 2 -> "general error";
            case 3 -> "the server's administrator shut it down";
            case 4 -> "at the server's request";
            default -> "result " + result;
        };
    }

    /** The General Error Codes (§2.16), as ", no resources" or "" for none. */
    private static String general(int error) {
        return switch (error) {
            case 0 -> "";
            case 1 -> ", not connected";
            case 2 -> ", bad format";
            case 3 -> ", bad value";
            case 4 -> ", no resources";
            case 5 -> ", bad call ID";
            case 6 -> ", the server's own error";
            default -> ", error " + error;
        };
    }
}
