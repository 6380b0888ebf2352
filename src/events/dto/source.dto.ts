import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  booleanProblem,
  slugProblem,
  SLUG_PATTERN,
  textProblem,
} from '../../common/input-rules.js';
import { exampleTime } from '../../common/example-dates.js';
import { optional, Rule, Trimmed } from '../../common/validation.js';
import { SOURCE_SLUGS_NOTE } from '../reference-sources.js';

export const PROVIDER_NAME_MAX = 200;
export const DESCRIPTION_MAX = 1000;

const providerName = (field: string, value: unknown) =>
  textProblem(field, value, { max: PROVIDER_NAME_MAX });
const description = optional((field, value) =>
  textProblem(field, value, { min: 0, max: DESCRIPTION_MAX }),
);

/** An event source as the API shows it. */
export class SourceDto {
  @ApiProperty({ example: 'stripe', pattern: SLUG_PATTERN.source, description: SOURCE_SLUGS_NOTE })
  slug: string;

  @ApiProperty({ example: 'Stripe' })
  provider_name: string;

  @ApiProperty({ example: 'Stripe payment events' })
  description: string;

  @ApiProperty({ example: true, description: 'an inactive source refuses new events' })
  is_active: boolean;

  @ApiProperty({ format: 'date-time', example: exampleTime(-90, '06:00:00.000Z') })
  created_at: Date;
}

/** Body of `POST /sources`; unknown fields are rejected. */
export class CreateSourceDto {
  @ApiProperty({
    example: 'mollie',
    pattern: SLUG_PATTERN.source,
    description: 'lower-case letters, digits and dashes; 1–64 characters',
  })
  @Rule(slugProblem)
  slug: string;

  @ApiProperty({ example: 'Mollie', maxLength: PROVIDER_NAME_MAX })
  @Trimmed()
  @Rule(providerName)
  provider_name: string;

  @ApiPropertyOptional({ example: 'Mollie payment events', maxLength: DESCRIPTION_MAX })
  @Rule(description)
  description?: string;
}

/** Body of `PATCH /sources/{slug}`: at least one field; unknown fields are rejected. */
export class UpdateSourceDto {
  @ApiPropertyOptional({ example: 'PayPal Europe', maxLength: PROVIDER_NAME_MAX })
  @Trimmed()
  @Rule(optional(providerName))
  provider_name?: string;

  @ApiPropertyOptional({ example: 'PayPal payment events (EU)', maxLength: DESCRIPTION_MAX })
  @Rule(description)
  description?: string;

  @ApiPropertyOptional({
    example: true,
    description:
      'false deactivates the source: new events from it are refused; true reactivates it',
  })
  @Rule(optional(booleanProblem))
  is_active?: boolean;
}
