package org.homerouter.pptp.auth;

import java.util.Optional;

/** The error codes an MS-CHAPv2 Failure packet carries in E= (RFC 2759 §6, as Windows defines them). */
public enum MsChapError {
    RESTRICTED_LOGON_HOURS(646),
    ACCOUNT_DISABLED(647),
    PASSWORD_EXPIRED(648),
    NO_DIALIN_PERMISSION(649),
    AUTHENTICATION_FAILURE(691),
    CHANGING_PASSWORD(709);

    private final int code;

    MsChapError(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }

    /** The error with this code, if RFC 2759 §6 defines it. */
    public static Optional<MsChapError> forCode(int code) {
        for (MsChapError e : values()) {
            if (e.code == code) {
                return Optional.of(e);
            }
        }
        return Optional.empty();
    }
}
