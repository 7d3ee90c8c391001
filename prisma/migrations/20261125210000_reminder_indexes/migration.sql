-- Twilio status callbacks find reminder texts by SID, and aftercare looks up sessions that just ended.
CREATE INDEX "Reminder_providerId_idx" ON "Reminder"("providerId");
CREATE INDEX "Appointment_status_end_idx" ON "Appointment"(status, "end");
