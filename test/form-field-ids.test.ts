import { createElement, Fragment } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { Field, SelectField, TextArea } from "@/components/form";
import { initialActionState } from "@/lib/auth/action-state";

/**
 * Two forms on one page may share a field name (the Account page: "Change password" and the API token
 * form's identity check both have currentPassword). Each label must name its own input: ids were the
 * name alone, so the second label named the first form's input and the second input had no name at
 * all (found when the browser test's session was over 5 minutes old and the identity check appeared).
 */
function idsAndLabels(markup: string) {
  const ids = [...markup.matchAll(/<(?:input|textarea|select)[^>]* id="([^"]+)"/g)].map((m) => m[1]);
  const labelled = [...markup.matchAll(/<label[^>]* for="([^"]+)"/g)].map((m) => m[1]);
  return { ids, labelled };
}

describe("form fields on a page with two forms", () => {
  it("give each field of the same name its own id, and each label names its own field", () => {
    const state = { ...initialActionState, fieldErrors: { currentPassword: "Enter your password." } };
    const markup = renderToStaticMarkup(
      createElement(
        Fragment,
        null,
        createElement("form", null, createElement(Field, { name: "currentPassword", label: "Current password", type: "password", state })),
        createElement("form", null, createElement(Field, { name: "currentPassword", label: "Your portal password", type: "password", state, hint: "Confirm it is you." })),
        createElement(TextArea, { name: "reason", label: "Reason", state: initialActionState }),
        createElement(TextArea, { name: "reason", label: "Reason", state: initialActionState }),
        createElement(SelectField, { name: "role", label: "Role", state: initialActionState, options: [{ value: "a", label: "A" }] }),
        createElement(SelectField, { name: "role", label: "Role", state: initialActionState, options: [{ value: "a", label: "A" }] }),
      ),
    );
    const { ids, labelled } = idsAndLabels(markup);
    expect(ids).toHaveLength(6);
    expect(new Set(ids).size).toBe(6);
    expect(labelled).toEqual(ids);
    // Hints and errors point at ids that exist once.
    for (const described of markup.matchAll(/aria-describedby="([^"]+)"/g)) {
      for (const target of described[1].split(" ")) expect(markup.split(`id="${target}"`).length - 1).toBe(1);
    }
  });

  it("keep an id given by the page", () => {
    const markup = renderToStaticMarkup(createElement(Field, { id: "upload-name", name: "name", label: "Name", state: initialActionState }));
    expect(idsAndLabels(markup)).toEqual({ ids: ["upload-name"], labelled: ["upload-name"] });
  });
});
