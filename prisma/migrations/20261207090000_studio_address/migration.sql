-- The studio's street address (street and postcode, next to the existing city and country): told
-- to a customer once they have a confirmed booking, never in public search or the public profile.
ALTER TABLE "ArtistProfile" ADD COLUMN "street" TEXT,
                            ADD COLUMN "postcode" TEXT;
