import { z } from "zod";
import { passwordProblem } from "@/lib/auth/password";

const phonePattern = /^[+()\d][\d\s().-]{6,28}$/;

export const registerSchema = z
  .object({
    organisationName: z.string().trim().min(2, "Enter your organisation's name.").max(200),
    submitterId: z
      .string()
      .trim()
      .min(2, "Enter the submitter/sender ID your payer issued.")
      .max(15, "Submitter IDs are at most 15 characters (the ISA06 field).")
      .regex(/^[A-Za-z0-9]+$/, "Use only letters and digits, as on your payer's enrollment letter."),
    contactName: z.string().trim().min(2, "Enter the contact person's name.").max(200),
    email: z.string().trim().max(320).email("Enter a valid email address."),
    phone: z.string().trim().regex(phonePattern, "Enter a phone number with its area code, e.g. +1 555 010 2000."),
    password: z.string().max(256, "Use at most 256 characters."),
    confirmPassword: z.string(),
  })
  .superRefine((value, ctx) => {
    const problem = passwordProblem(value.password, { email: value.email, organisation: value.organisationName });
    if (problem) ctx.addIssue({ code: "custom", path: ["password"], message: problem });
    else if (value.password !== value.confirmPassword) ctx.addIssue({ code: "custom", path: ["confirmPassword"], message: "The two passwords differ." });
  });
