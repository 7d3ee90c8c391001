-- AlterTable
ALTER TABLE "Conversation" ADD COLUMN     "contactHandle" TEXT,
ADD COLUMN     "contactName" TEXT;


-- Back-fill the copies for existing threads.
UPDATE "Conversation" c SET "contactName" = ct.name,
  "contactHandle" = (SELECT i.handle FROM "ContactIdentity" i WHERE i."contactId" = c."contactId" ORDER BY i.kind, i.handle LIMIT 1)
FROM "Contact" ct WHERE ct.id = c."contactId";

-- "Unread" filter of the inbox list: a partial index so the first unread page reads no
-- archived or read threads.
CREATE INDEX "Conversation_unread_list_idx" ON "Conversation"("userId", "lastMessageAt" DESC, id DESC) WHERE "archivedAt" IS NULL AND "unreadCount" > 0;
