package org.homerouter.webui.api;

/**
 * Settings the router cannot run with, because of one field: the page shows the message next to
 * that field (the listen address this router does not have, the port another program holds).
 */
public final class SettingRefused extends IllegalArgumentException {
    private final String field;

    public SettingRefused(String field, String message) {
        super(message);
        this.field = field;
    }

    /** The form field to show the message next to. */
    public String field() {
        return field;
    }
}
