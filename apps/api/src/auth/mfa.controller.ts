import { Body, Controller, Get, HttpCode, Post } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiConflictResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';

import { CurrentUser, MfaService, Roles } from '@mend/auth';
import type { UserPrincipal } from '@mend/core';

import { MfaStatusResponse, RecoveryCodesResponse, TotpEnrolmentResponse } from '../users/user.response.js';
import { MfaCodeRequest, ProofRequest } from './auth.request.js';

/** The signed-in staff member's second factor (TOTP and recovery codes). */
@ApiTags('auth')
@ApiBearerAuth()
@Controller('me/mfa')
export class MfaController {
  constructor(private readonly mfa: MfaService) {}

  @Get()
  // Every signed-in user may ask (a client's answer is simply "not set up, not required").
  @Roles('admin', 'therapist', 'client')
  @ApiOperation({
    summary: 'Whether your second factor is set up, recovery codes left, and whether your clinic requires it',
  })
  @ApiOkResponse({ type: MfaStatusResponse })
  status(@CurrentUser() principal: UserPrincipal) {
    return this.mfa.status(principal);
  }

  @Post('totp')
  @HttpCode(200)
  @Roles('admin', 'therapist')
  @ApiOperation({
    summary: 'Start setting up a TOTP authenticator: answers the secret and its otpauth URI',
    description: 'Nothing changes at sign-in until POST /v1/me/mfa/totp/confirm accepts the first code.',
  })
  @ApiOkResponse({ type: TotpEnrolmentResponse })
  @ApiConflictResponse({ description: 'A second factor is already set up' })
  start(@CurrentUser() principal: UserPrincipal) {
    return this.mfa.startEnrolment(principal);
  }

  @Post('totp/confirm')
  @HttpCode(200)
  @Roles('admin', 'therapist')
  @ApiOperation({
    summary: "Finish setting up: the authenticator's first code; answers ten recovery codes, shown this once",
    description: 'From then on, signing in takes a code after the password.',
  })
  @ApiOkResponse({ type: RecoveryCodesResponse })
  @ApiBadRequestResponse({ description: 'The code is not valid' })
  @ApiConflictResponse({ description: 'No enrolment was started, or a second factor is already set up' })
  confirm(@CurrentUser() principal: UserPrincipal, @Body() body: MfaCodeRequest) {
    return this.mfa.confirmEnrolment(principal, body.code);
  }

  @Post('recovery-codes')
  @HttpCode(200)
  @Roles('admin', 'therapist')
  @ApiOperation({ summary: 'New recovery codes (the old ones stop working); needs a current code' })
  @ApiOkResponse({ type: RecoveryCodesResponse })
  @ApiBadRequestResponse({ description: 'The code is not valid' })
  regenerate(@CurrentUser() principal: UserPrincipal, @Body() body: MfaCodeRequest) {
    return this.mfa.regenerateRecoveryCodes(principal, body.code);
  }

  @Post('remove')
  @HttpCode(204)
  @Roles('admin', 'therapist')
  @ApiOperation({ summary: 'Remove your second factor, with your password or a code (audited)' })
  @ApiNoContentResponse()
  @ApiBadRequestResponse({ description: 'The password or code is not valid' })
  @ApiConflictResponse({ description: 'No second factor is set up, or your clinic requires one' })
  remove(@CurrentUser() principal: UserPrincipal, @Body() body: ProofRequest) {
    return this.mfa.remove(principal, body);
  }
}
