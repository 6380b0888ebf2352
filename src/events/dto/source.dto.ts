import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsString, Matches, MaxLength, MinLength, ValidateIf } from 'class-validator';
import { SLUG_PATTERN } from '../../common/input-rules.js';
import { IsPlainText } from '../../common/validation.js';

export const PROVIDER_NAME_MAX = 200;
export const DESCRIPTION_MAX = 1000;

/** Optional, but when present (null included) it is validated: null is not a value here. */
const IfPresent = (field: string) =>
  ValidateIf((dto: Record<string, unknown>) => dto[field] !== undefined);

/** An event source as the API shows it. */
export class SourceDto {
  @ApiProperty({ example: 'stripe', pattern: SLUG_PATTERN.source })
  slug: string;

  @ApiProperty({ example: 'Stripe' })
  provider_name: string;

  @ApiProperty({ example: 'Stripe payment events' })
  description: string;

  @ApiProperty({ example: true, description: 'an inactive source refuses new events' })
  is_active: boolean;

  @ApiProperty({ format: 'date-time', example: '2026-11-01T09:00:00.000Z' })
  created_at: Date;
}

/** Body of `POST /sources`; unknown fields are rejected. */
export class CreateSourceDto {
  @ApiProperty({
    example: 'mollie',
    pattern: SLUG_PATTERN.source,
    description: 'lower-case letters, digits and dashes; 1–64 characters',
  })
  @IsString()
  @Matches(SLUG_PATTERN, {
    message:
      'slug must be 1–64 lower-case letters, digits or dashes, starting with a letter or digit',
  })
  slug: string;

  @ApiProperty({ example: 'Mollie', maxLength: PROVIDER_NAME_MAX })
  @IsString()
  @MinLength(1)
  @MaxLength(PROVIDER_NAME_MAX)
  @IsPlainText()
  provider_name: string;

  @ApiPropertyOptional({ example: 'Mollie payment events', maxLength: DESCRIPTION_MAX })
  @IfPresent('description')
  @IsString()
  @MaxLength(DESCRIPTION_MAX)
  @IsPlainText()
  description?: string;
}

/** Body of `PATCH /sources/{slug}`: at least one field; unknown fields are rejected. */
export class UpdateSourceDto {
  @ApiPropertyOptional({ example: 'Mollie B.V.', maxLength: PROVIDER_NAME_MAX })
  @IfPresent('provider_name')
  @IsString()
  @MinLength(1)
  @MaxLength(PROVIDER_NAME_MAX)
  @IsPlainText()
  provider_name?: string;

  @ApiPropertyOptional({ example: 'Mollie payment events (EU)', maxLength: DESCRIPTION_MAX })
  @IfPresent('description')
  @IsString()
  @MaxLength(DESCRIPTION_MAX)
  @IsPlainText()
  description?: string;

  @ApiPropertyOptional({
    example: false,
    description: 'false deactivates the source: new events from it are refused',
  })
  @IfPresent('is_active')
  @IsBoolean()
  is_active?: boolean;
}
