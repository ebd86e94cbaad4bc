package org.homerouter.webui;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.eclipse.jetty.util.Fields;

/** A submitted form: its values (echoed back when invalid) and one message per bad field. */
final class Form {
    final Fields fields;
    final Map<String, String> errors = new LinkedHashMap<>();

    Form(Fields fields) {
        this.fields = fields;
    }

    /** The trimmed value, "" when absent. */
    String get(String name) {
        String v = fields.getValue(name);
        return v == null ? "" : v.trim();
    }

    /** Untrimmed (passwords). */
    String raw(String name) {
        String v = fields.getValue(name);
        return v == null ? "" : v;
    }

    boolean checked(String name) {
        return fields.get(name) != null;
    }

    List<String> all(String name) {
        List<String> v = fields.getValues(name);
        return v == null ? List.of() : v;
    }

    void error(String field, String message) {
        errors.putIfAbsent(field, message);
    }

    boolean ok() {
        return errors.isEmpty();
    }

    /** An integer in [min, max], or the message next to the field and {@code min}. */
    int integer(String field, String label, int min, int max) {
        String v = get(field);
        try {
            int n = Integer.parseInt(v);
            if (n >= min && n <= max) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        error(field, label + " must be a whole number from " + min + " to " + max);
        return min;
    }

    /** The values for the template: what the user typed, so an invalid form is not retyped. */
    Map<String, Object> values() {
        Map<String, Object> out = new LinkedHashMap<>();
        for (Fields.Field f : fields) {
            if (!f.getName().equals("csrf") && !f.getName().contains("password")) {
                out.put(f.getName(), f.getValue());
            }
        }
        return out;
    }
}
